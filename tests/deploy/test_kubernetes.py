"""The Kubernetes manifests: every overlay renders, validates offline against the Kubernetes
schemas, keeps the *restricted* Pod Security Standard, and references secrets without
inlining them.

Rendering uses the subset of kustomize the manifests use (resources, namespace, labels,
images, inline JSON 6902 patches), so the test needs no kubectl; where `kubectl` is installed
its `kubectl kustomize` must render the same objects.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonpatch
import kubernetes_validate
import pytest
import yaml

KUSTOMIZE = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
OVERLAYS = sorted(p.name for p in (KUSTOMIZE / "overlays").iterdir() if p.is_dir())
KUBERNETES_VERSION = "1.31.0"
# Custom resources the schemas of Kubernetes itself do not know, checked below by hand.
CUSTOM_KINDS = {"ServiceMonitor"}
# Volume types the restricted profile allows.
RESTRICTED_VOLUMES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}
Doc = dict[str, Any]


def render(directory: Path) -> list[Doc]:
    """`kustomize build` for the features our kustomizations use (and no others: an unknown
    key fails, so this cannot silently drift from what kubectl would do)."""
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text())
    known = {"apiVersion", "kind", "namespace", "labels", "resources", "images", "patches"}
    assert set(spec) <= known, f"unsupported kustomize features: {set(spec) - known}"
    docs: list[Doc] = []
    for resource in spec.get("resources", []):
        path = directory / resource
        if path.is_dir():
            docs += render(path)
        else:
            docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    for label in spec.get("labels", []):
        assert not label.get("includeSelectors")
        assert not label.get("includeTemplates")
        for doc in docs:
            doc["metadata"].setdefault("labels", {}).update(label["pairs"])
    for image in spec.get("images", []):
        for doc in docs:
            for container in _containers(doc):
                if container["image"] == image["name"]:
                    container["image"] = f"{image['newName']}:{image['newTag']}"
    for patch in spec.get("patches", []):
        target = patch["target"]
        matches = [
            d
            for d in docs
            if d["kind"] == target["kind"] and d["metadata"]["name"] == target["name"]
        ]
        assert len(matches) == 1, f"patch target {target} matches {len(matches)} objects"
        operations = jsonpatch.JsonPatch(yaml.safe_load(patch["patch"]))
        patched = operations.apply(matches[0])
        matches[0].clear()
        matches[0].update(patched)
    if "namespace" in spec:
        for doc in docs:
            doc["metadata"]["namespace"] = spec["namespace"]
    return docs


def _pod_spec(doc: Doc) -> Doc | None:
    if doc["kind"] in {"StatefulSet", "Deployment", "Job", "DaemonSet"}:
        spec: Doc = doc["spec"]["template"]["spec"]
        return spec
    return None


def _containers(doc: Doc) -> list[Doc]:
    pod = _pod_spec(doc)
    if pod is None:
        return []
    return [*pod.get("initContainers", []), *pod["containers"]]


def _by_name(docs: list[Doc]) -> dict[tuple[str, str], Doc]:
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request: pytest.FixtureRequest) -> list[Doc]:
    return render(KUSTOMIZE / "overlays" / request.param)


def test_every_object_validates_against_the_kubernetes_schemas(rendered: list[Doc]) -> None:
    for doc in rendered:
        if doc["kind"] in CUSTOM_KINDS:
            continue
        kubernetes_validate.validate(copy.deepcopy(doc), KUBERNETES_VERSION, strict=True)
    monitor = _by_name(rendered)[("ServiceMonitor", "smartcity")]
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    service = _by_name(rendered)[("Service", "smartcity")]
    ports = {p["name"] for p in service["spec"]["ports"]}
    assert {e["port"] for e in monitor["spec"]["endpoints"]} <= ports
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )


def test_pods_follow_the_restricted_pod_security_standard(rendered: list[Doc]) -> None:
    workloads = [d for d in rendered if _pod_spec(d) is not None]
    assert {d["kind"] for d in workloads} == {"StatefulSet", "Job"}
    for doc in workloads:
        pod = _pod_spec(doc)
        assert pod is not None
        name = doc["metadata"]["name"]
        for flag in ("hostNetwork", "hostPID", "hostIPC"):
            assert not pod.get(flag), f"{name}: {flag}"
        assert pod["automountServiceAccountToken"] is False, name
        pod_context = pod.get("securityContext", {})
        assert pod_context.get("seccompProfile", {}).get("type") == "RuntimeDefault", name
        for volume in pod.get("volumes", []):
            kinds = set(volume) - {"name"}
            assert kinds <= RESTRICTED_VOLUMES, f"{name}: volume {volume['name']} is {kinds}"
        for container in _containers(doc):
            context = {**pod_context, **container.get("securityContext", {})}
            where = f"{name}/{container['name']}"
            assert context.get("runAsNonRoot") is True, where
            assert context.get("runAsUser", 1) != 0, where
            assert context.get("allowPrivilegeEscalation") is False, where
            assert not context.get("privileged"), where
            assert context["capabilities"]["drop"] == ["ALL"], where
            assert set(context["capabilities"].get("add", [])) <= {"NET_BIND_SERVICE"}, where
            assert context.get("readOnlyRootFilesystem") is True, where
            assert context["seccompProfile"]["type"] == "RuntimeDefault", where
            assert not container.get("ports") or all(
                "hostPort" not in p for p in container["ports"]
            ), where
            limits = container["resources"]["limits"]
            requests = container["resources"]["requests"]
            assert {"cpu", "memory"} <= set(limits) & set(requests), where


def test_web_pods_have_three_probes_and_scale_safely(rendered: list[Doc]) -> None:
    objects = _by_name(rendered)
    web = objects[("StatefulSet", "smartcity")]
    container = _containers(web)[0]
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    env = {e["name"]: e for e in container["env"]}
    assert env["SMARTCITY_INSTANCE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    selector = web["spec"]["selector"]["matchLabels"]
    for kind in ("PodDisruptionBudget",):
        assert objects[(kind, "smartcity")]["spec"]["selector"]["matchLabels"] == selector
    assert objects[("Service", "smartcity")]["spec"]["selector"] == selector
    hpa = objects[("HorizontalPodAutoscaler", "smartcity")]["spec"]
    assert hpa["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "name": "smartcity",
    }
    assert hpa["minReplicas"] >= 2
    pdb = objects[("PodDisruptionBudget", "smartcity")]["spec"]
    assert pdb["minAvailable"] < hpa["minReplicas"], "a node drain must be able to proceed"
    ingress = objects[("Ingress", "smartcity")]["spec"]
    assert ingress["tls"][0]["hosts"] == [ingress["rules"][0]["host"]]
    config = objects[("ConfigMap", "smartcity")]["data"]
    assert config["SMARTCITY_PUBLIC_URL"] == f"https://{ingress['rules'][0]['host']}"
    # Timetable uploads get their larger body limit on their own paths, on the same host.
    uploads = objects[("Ingress", "smartcity-timetable-upload")]
    assert uploads["spec"]["rules"][0]["host"] == ingress["rules"][0]["host"]
    assert uploads["spec"]["tls"] == ingress["tls"]
    assert uploads["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"] == (
        "512m"
    )
    assert config["SMARTCITY_MIGRATE_ON_START"] == "false"
    job = objects[("Job", "smartcity-migrate")]
    assert _containers(job)[0]["args"] == ["migrate"]
    policy = objects[("NetworkPolicy", "smartcity")]["spec"]
    assert set(policy["policyTypes"]) == {"Ingress", "Egress"}


def test_secrets_are_referenced_never_inlined(rendered: list[Doc]) -> None:
    assert not [d for d in rendered if d["kind"] == "Secret"]
    for doc in rendered:
        if doc["kind"] == "ConfigMap":
            for key in doc["data"]:
                assert not any(word in key for word in ("SECRET", "PASSWORD", "DATABASE_URL"))
        for container in _containers(doc):
            for variable in container.get("env", []):
                if variable["name"].endswith(("SECRET_KEY", "DATABASE_URL", "MQTT_URL")):
                    raise AssertionError(f"{variable['name']} inlined; use the _FILE form")
                if variable["name"].endswith("_FILE"):
                    assert variable["value"].startswith("/run/secrets/smartcity/")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_kubectl_renders_the_same_objects(overlay: str) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not installed (Debian has no package): the renderer above stands in")
    output = subprocess.run(
        [kubectl, "kustomize", str(KUSTOMIZE / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    theirs = _by_name([d for d in yaml.safe_load_all(output) if d])
    ours = _by_name(render(KUSTOMIZE / "overlays" / overlay))
    assert theirs == ours
