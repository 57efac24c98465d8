"""Channel federation benchmark (issue 28): one post to 10,000 followers on 2,000 servers.

    python -m bench.channel [--servers 2000] [--followers 10000] [--down 0.05] [--sqlite]

The followers are rows of `channel_follower` (5 per server, all with the server's shared
inbox), so the post becomes one delivery per server. The 2,000 servers are simulated by one
receiving process (uvicorn, an ASGI app that reads the body and answers 202) listening on
every loopback address: server *i* is `http://127.0.<i // 250>.<i % 250 + 1>:<port>`, a host
of its own for the platform (its own back-off, its own row on the status page). A share of the
servers (`--down`) answers 503, to show that failures are retried later without holding up the
others.

Measured: queueing the post (the `Create` for every shared inbox, one transaction), then the
delivery job's first run (`federation.deliver_due`: signing each request with the channel's
RSA key, sending them concurrently, recording each result and the per-server state), then a
second run once the failed servers' back-off has passed and they are up again.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select

from bench.run import drop_postgres, free_port, postgres_database
from smartcity.channel import federation, services
from smartcity.channel.federation import Context
from smartcity.channel.models import Delivery, Follower
from smartcity.channel.settings import ChannelSettings
from smartcity.core import migrate
from smartcity.core.db import make_engine, transaction, utcnow
from smartcity.core.platform import Platform
from smartcity.core.settings import Settings
from smartcity.core.tenancy import services as tenancy
from smartcity.core.tenancy.scope import SCOPE_KEY, SYSTEM
from smartcity.core.uploads.services import UploadLimits
from smartcity.modules import import_models, reserved_slugs


def host(index: int, port: int) -> str:
    return f"127.0.{index // 250}.{index % 250 + 1}:{port}"


def receiver(port: int, down_hosts: str) -> None:
    """The simulated servers: 202 for every inbox POST, 503 from the hosts that are down
    (until the file that lists them is emptied)."""
    import uvicorn

    async def app(scope: dict, receive, send) -> None:  # type: ignore[no-untyped-def,type-arg]
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        hostname = dict(scope["headers"]).get(b"host", b"").decode()
        down = Path(down_hosts).read_text().split()
        status = 503 if hostname in down else 202
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    uvicorn.run(app, host="0.0.0.0", port=port, log_level="error", backlog=4096)  # noqa: S104


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--servers", type=int, default=2000)
    parser.add_argument("--followers", type=int, default=10_000)
    parser.add_argument("--down", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-channel-"))
    url = None if args.sqlite else postgres_database()
    database_url = url or f"sqlite:///{work / 'bench.sqlite3'}"
    import_models()  # every module's migrations, the channel's branch among them
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    engine.dispose()
    settings = Settings(
        data_dir=work,
        database_url=database_url,
        secret_key="bench-secret-" + "x" * 40,
        public_url="https://city.example",
    )
    platform = Platform.from_settings(settings)
    port = free_port()
    down_file = work / "down.txt"
    down = {host(i, port) for i in range(args.servers) if i < args.servers * args.down}
    down_file.write_text("\n".join(sorted(down)))
    process = multiprocessing.Process(target=receiver, args=(port, str(down_file)), daemon=True)
    process.start()
    for _ in range(100):
        try:
            httpx.post(f"http://{host(0, port)}/ready", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    channel_settings = ChannelSettings(
        allow_private_addresses=True, delivery_concurrency=args.concurrency
    )
    try:
        with transaction(platform.sessions, **{SCOPE_KEY: SYSTEM}) as db:
            region = tenancy.get_or_create_region(db)
            dresden = tenancy.create_municipality(
                db,
                tenancy.MunicipalityInput(
                    "dresden", "Dresden", "14612000", "Europe/Berlin", 51.05, 13.74
                ),
                region,
                reserved=reserved_slugs(),
            )
        scope = {SCOPE_KEY: tenancy.scope_for(dresden)}
        with transaction(platform.sessions, **scope) as db:
            channel = services.main_channel(db, dresden, settings.require_secret_key())
            per_server = args.followers // args.servers
            rows = []
            for i in range(args.servers):
                shared = f"http://{host(i, port)}/inbox"
                for j in range(per_server):
                    actor = f"http://{host(i, port)}/users/u{j}"
                    rows.append(
                        {
                            "municipality_id": dresden.id,
                            "channel_id": channel.id,
                            "actor_uri": actor,
                            "inbox": f"{actor}/inbox",
                            "delivery_inbox": shared,
                            "server": host(i, port),
                            "key_id": f"{actor}#main-key",
                            "public_key_pem": "-",
                            "created_at": utcnow(),
                        }
                    )
            db.execute(Follower.__table__.insert(), rows)  # type: ignore[attr-defined]
        started = time.perf_counter()
        with transaction(platform.sessions, **scope) as db:
            post = services.create_post(
                db,
                services.PostInput(
                    channel_id=channel.id,
                    kind="news",
                    title="Benchmark",
                    teaser="Eine Meldung an alle.",
                    body="<p>" + "Text der Meldung. " * 40 + "</p>",
                    categories=("bench",),
                ),
                author_id=None,
                actor="bench",
                data_dir=work,
                limits=UploadLimits.of(settings),
            )
            federation.announce(db, post, Context.of(platform, dresden))
        queued = time.perf_counter() - started
        with transaction(platform.sessions, **scope) as db:
            deliveries = db.scalar(select(func.count()).select_from(Delivery)) or 0
            followers = db.scalar(select(func.count()).select_from(Follower)) or 0

        started = time.perf_counter()
        first = federation.deliver_due(platform, settings=channel_settings)
        first_seconds = time.perf_counter() - started
        down_file.write_text("")  # the servers that were down are back
        started = time.perf_counter()
        second = federation.deliver_due(
            platform, now=utcnow() + timedelta(minutes=2), settings=channel_settings
        )
        second_seconds = time.perf_counter() - started
        backend = "SQLite" if url is None else "PostgreSQL"
        print(f"backend: {backend}, cores: {os.cpu_count()}, concurrency: {args.concurrency}")
        print(f"followers: {followers} on {args.servers} servers -> {deliveries} deliveries")
        print(f"queue the post: {queued * 1000:.0f} ms")
        print(
            f"first run: {first} in {first_seconds:.1f} s "
            f"({first['delivered'] / first_seconds:.0f} deliveries/s)"
        )
        print(f"retry after back-off: {second} in {second_seconds:.1f} s")
        print(f"all delivered in {queued + first_seconds + second_seconds:.1f} s of work")
    finally:
        process.terminate()
        platform.engine.dispose()
        if url:
            drop_postgres(url)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
