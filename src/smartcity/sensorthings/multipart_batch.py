"""OData `multipart/mixed` batches (OGC 18-088, 14.2; OData 4.0 part 1, 11.7), translated to
and from the JSON batch that StaService runs: a changeset is an atomicity group, a
Content-ID can be referred to as `$<id>`."""

from __future__ import annotations

import email
import email.policy
import json
import uuid
from http import HTTPStatus
from typing import Any

from smartcity.sensorthings.errors import BadRequest
from smartcity.sensorthings.values import refuse_lone_surrogates

MAX_PARTS = 1000


def parse(content_type: str, body: bytes) -> dict[str, Any]:
    """The JSON batch equivalent of a multipart/mixed batch body."""
    header = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.message_from_bytes(header + body, policy=email.policy.HTTP)
    if not message.is_multipart():
        raise BadRequest("The batch body is not multipart/mixed with a boundary.")
    requests: list[dict[str, Any]] = []
    for index, part in enumerate(message.iter_parts()):
        if part.get_content_type() == "multipart/mixed":
            group = f"changeset{index}"
            for sub in part.iter_parts():
                requests.append(_request(sub, len(requests), group))
        else:
            requests.append(_request(part, len(requests), None))
        if len(requests) > MAX_PARTS:
            raise BadRequest(f"At most {MAX_PARTS} requests per batch.")
    return {"requests": requests}


def _request(part: Any, index: int, group: str | None) -> dict[str, Any]:
    if part.get_content_type() != "application/http":
        raise BadRequest("Each batch part must be Content-Type: application/http.")
    raw = part.get_payload(decode=True) or b""
    head, _, content = raw.replace(b"\r\n", b"\n").partition(b"\n\n")
    lines = head.decode("utf-8", "replace").strip().split("\n")
    words = lines[0].split()
    if len(words) < 2:
        raise BadRequest(f"Batch part {index + 1} has no request line ('GET Things HTTP/1.1').")
    request: dict[str, Any] = {
        "id": str(part.get("Content-ID") or f"r{index}").strip(),
        "method": words[0].lower(),
        "url": words[1],
    }
    if group is not None:
        request["atomicityGroup"] = group
    text = content.decode("utf-8").strip()
    if text:
        try:
            request["body"] = json.loads(text)
        except (ValueError, RecursionError):
            raise BadRequest(f"Batch part {index + 1} does not carry valid JSON.") from None
        refuse_lone_surrogates(content, request["body"])
    return request


def render(json_batch: dict[str, Any], responses: list[dict[str, Any]]) -> tuple[str, bytes]:
    """The multipart/mixed response: changesets answered as nested multiparts."""
    boundary = f"batchresponse_{uuid.uuid4()}"
    groups: list[tuple[str | None, list[tuple[dict[str, Any], dict[str, Any]]]]] = []
    for request, response in zip(json_batch["requests"], responses, strict=True):
        name = request.get("atomicityGroup")
        if name is not None and groups and groups[-1][0] == name:
            groups[-1][1].append((request, response))
        else:
            groups.append((name, [(request, response)]))
    chunks: list[str] = []
    for name, members in groups:
        chunks.append(f"--{boundary}\r\n")
        if name is None:
            chunks.append(_http_part(members[0][1], content_id=None))
            continue
        inner = f"changesetresponse_{uuid.uuid4()}"
        chunks.append(f"Content-Type: multipart/mixed; boundary={inner}\r\n\r\n")
        for request, response in members:
            chunks.append(f"--{inner}\r\n")
            chunks.append(_http_part(response, content_id=request.get("id")))
        chunks.append(f"--{inner}--\r\n")
    chunks.append(f"--{boundary}--\r\n")
    return f"multipart/mixed; boundary={boundary}", "".join(chunks).encode("utf-8")


def _http_part(response: dict[str, Any], *, content_id: str | None) -> str:
    status = int(response["status"])
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
    lines = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id is not None:
        lines.append(f"Content-ID: {content_id}")
    http = [f"HTTP/1.1 {status} {reason}".rstrip()]
    for key, value in response.get("headers", {}).items():
        http.append(f"{key.title()}: {value}")
    body = ""
    if "body" in response:
        http.append("Content-Type: application/json")
        body = json.dumps(response["body"], ensure_ascii=False)
    return "\r\n".join(lines) + "\r\n\r\n" + "\r\n".join(http) + "\r\n\r\n" + body + "\r\n"
