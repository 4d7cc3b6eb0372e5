"""Serve a stack's applications from the loopback authority and service, to try tools.verify.

    python -m testbed.serve_dev DIR [--stack dev]

Runs the program on the mock runtime against the fake tenant (as ``make plan`` does), takes its
``applications`` and ``clientSecrets`` outputs, registers each app with the loopback authority
(its fake secret, and the data roles its config grants as the ``roles`` claim), and serves the
stack's FHIR and DICOM services on 127.0.0.1. It writes ``DIR/stack-output.json`` (mode 0600;
the fake secrets are in it) with the token endpoint and service URLs pointed at the loopback
servers, and ``DIR/pki/ca.pem``, then serves until interrupted. Then, in another shell::

    python -m tools.verify --stack dev --stack-output DIR/stack-output.json \
        --ca-bundle DIR/pki/ca.pem

Nothing here reaches Azure: the IDs and secrets are the fake tenant's.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from testbed.loopback import AppRecord, LoopbackCloud, ServiceRecord, loopback_cloud
from testbed.mockrun import run_program
from testbed.stackfile import StackFileError, load_stack_file


def _serve(cloud: LoopbackCloud, outputs: dict[str, Any], config: dict[str, Any]) -> dict[str, Any]:
    """Register the stack's services and apps; the outputs, re-pointed at the loopback servers."""
    apps: dict[str, Any] = outputs["applications"]
    secrets: dict[str, str] = outputs.get("clientSecrets") or {}
    urls: dict[str, str] = {}
    audiences: dict[str, str] = {}
    for app in apps.values():
        for name, service in app["services"].items():
            if name not in urls:
                # The loopback service takes the stack's own kinds (fhir, api-for-fhir, dicom).
                record = ServiceRecord(name, service["kind"], service["audience"])
                urls[name] = cloud.add_service(record)
                audiences[name] = service["audience"]
    granted = config.get("applications", {})
    for name, app in apps.items():
        roles = (granted.get(name) or {}).get("roles") or {}
        cloud.authority.register(
            AppRecord(
                app["clientId"],
                secret=secrets.get(name),
                roles={audiences[svc]: tuple(names) for svc, names in roles.items()},
                object_id=app["servicePrincipalObjectId"],
            )
        )
        app["tokenEndpoint"] = cloud.authority.token_endpoint
        app["tokenEndpointV1"] = cloud.authority.token_endpoint_v1
        for svc_name, service in app["services"].items():
            service["url"] = urls[svc_name]
    return outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m testbed.serve_dev")
    parser.add_argument("dir", type=Path, help="where to write stack-output.json and pki/")
    parser.add_argument("--stack", default="dev")
    args = parser.parse_args(argv)
    try:
        stack_file = load_stack_file(args.stack)
    except StackFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    run = run_program(stack_file.config, secret_keys=stack_file.secret_keys, stack=args.stack)
    outputs = json.loads(json.dumps(run.outputs))
    tenant = next(iter(outputs["applications"].values()))["tenantId"]
    args.dir.mkdir(parents=True, exist_ok=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with loopback_cloud(args.dir / "pki", tenant_id=tenant) as cloud:
        served = _serve(cloud, outputs, stack_file.config)
        out = args.dir / "stack-output.json"
        fd = os.open(out, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(served, fh, indent=2)
        print(
            f"serving {args.stack} on {cloud.authority.base_url} (authority) and "
            f"{cloud.health.base_url} (services); in another shell run:\n"
            f"  python -m tools.verify --stack {args.stack} --stack-output {out} "
            f"--ca-bundle {cloud.pki.ca_file}",
            file=sys.stderr,
            flush=True,
        )
        stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
