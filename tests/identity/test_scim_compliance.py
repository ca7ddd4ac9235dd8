"""scim2-tester, a SCIM 2.0 compliance suite written outside this project, against the app
served by uvicorn on loopback. docs/identity.md reports what it finds and why.

The checks this server fails on purpose or has not implemented are listed below with
their reason; any other failure, or one of these starting to pass, fails this test so
that the report in the docs is kept true.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import httpx
import httpx2
import uvicorn
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import check_server
from scim2_tester.utils import Status

from companion.identity import provisioning
from tests.helpers import TEST_SYSTEM, app_for, free_port

# (resource type, check): why it does not pass.
KNOWN_FAILURES = {
    # Every account needs an address to sign in with and to be told things at: a userName
    # that is not an email, with no `emails`, is refused. The suite's generated users have
    # random UUIDs as userName and often no emails, so the checks that need a user fail.
    ("User", "object_creation"): "userName is not an email and no emails given",
    ("User", "object_query"): "userName is not an email and no emails given",
    ("User", "object_query_without_id"): "userName is not an email and no emails given",
    ("User", "object_replacement"): "userName is not an email and no emails given",
    ("User", "object_deletion"): "userName is not an email and no emails given",
    ("User", "check_add_attribute"): "userName is not an email and no emails given",
    ("User", "check_replace_attribute"): "userName is not an email and no emails given",
    ("Group", "object_query_with_attributes"): "needs a generated user as member",
    ("Group", "object_list_with_attributes"): "needs a generated user as member",
    ("Group", "search_with_attributes"): "needs a generated user as member",
    ("Group", "object_replacement"): "needs a generated user as member",
    ("Group", "check_add_attribute"): "needs a generated user as member",
    ("Group", "check_remove_attribute"): "needs a generated user as member",
    ("Group", "check_replace_attribute"): "needs a generated user as member",
    # A person always has a name and is active or not: removing name, displayName or
    # active keeps a value (the name falls back to the address, active to true).
    ("User", "check_remove_attribute"): "name, displayName and active are not removable",
}


def test_scim2_tester_against_the_served_app(services):
    with services.sessions() as session:
        token = provisioning.create_token(
            session=session, principal=TEST_SYSTEM, name="scim2-tester"
        ).plaintext
        session.commit()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app_for(services), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        client = SyncSCIMClient(
            httpx2.Client(
                base_url=f"http://127.0.0.1:{port}/scim/v2",
                headers={"Authorization": f"Bearer {token}"},
                # httpx's default is 5 s a request. On a loaded two-core CI machine the
                # first request to a fresh server once took longer and the suite reported
                # it as the server failing a check; what is tested here is the answer.
                timeout=60,
            )
        )
        results = check_server(client)
    finally:
        server.should_exit = True
        thread.join(timeout=10)

    passed = Counter((r.resource_type, r.title) for r in results if r.status == Status.SUCCESS)
    failed = {
        (r.resource_type, r.title): r.reason
        for r in results
        if r.status not in (Status.SUCCESS, Status.SKIPPED)
    }
    unexpected = {key: reason for key, reason in failed.items() if key not in KNOWN_FAILURES}
    assert unexpected == {}, unexpected
    # Every discovery check passes, and the group life cycle does, end to end.
    assert all(
        (None, title) in passed
        for title in (
            "service_provider_config_endpoint",
            "query_all_resource_types",
            "query_resource_type_by_id",
            "query_all_schemas",
            "access_schema_by_id",
            "random_url",
        )
    )
    for check in ("object_creation", "object_query", "object_query_without_id", "object_deletion"):
        assert ("Group", check) in passed
        assert ("Group", check) not in failed
    for check in (
        "object_query_with_attributes",
        "object_list_with_attributes",
        "search_with_attributes",  # POST /Users/.search
    ):
        assert ("User", check) in passed
    # A known failure that starts to pass should leave the list (and the docs).
    now_passing = [key for key in KNOWN_FAILURES if key not in failed]
    assert now_passing == [], now_passing
    print(f"scim2-tester: {sum(passed.values())} checks passed, {len(failed)} failed (known)")
