"""Configuration validation: each rule passes and fails, and every mistake is reported.

Longer than 400 lines: one test per key and rule of the schema, plus the property-based tests
over random configs.
"""

import copy
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pulumi
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.config import load_settings
from components.errors import ConfigError
from testbed.fake_tenant import TOKEN_CLIENT_CONFIG, TOKEN_SERVICE_PRINCIPAL, FakeTenant
from testbed.mockrun import run_program
from tests.conftest import DEV_NOW, NOW, SUBSCRIPTION

FHIR_ID = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.HealthcareApis/workspaces/wsone/fhirservices/fhir1"
DICOM_ID = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.HealthcareApis/workspaces/wsone/dicomservices/dicom1"
API_FHIR_ID = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.HealthcareApis/services/apifhir1"


def base() -> dict[str, Any]:
    return {
        "services": {
            "fhir": {"kind": "fhir", "resourceId": FHIR_ID},
            "dicom": {"kind": "dicom", "resourceId": DICOM_ID},
        },
        "applications": {"app": {"displayName": "App"}},
    }


def load(raw: dict[str, Any], secret_keys: frozenset[str] = frozenset()) -> Any:
    return load_settings(raw, now=NOW, base_dir=Path(), secret_keys=secret_keys)


def with_app(**settings: Any) -> dict[str, Any]:
    raw = base()
    raw["applications"]["app"].update(settings)
    return raw


def problems_of(raw: dict[str, Any], secret_keys: frozenset[str] = frozenset()) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(raw, secret_keys)
    return [str(problem) for problem in caught.value.problems]


def only_problem(raw: dict[str, Any]) -> str:
    found = problems_of(raw)
    assert len(found) == 1, found
    return found[0]


# --- names and display names -------------------------------------------------------------


@pytest.mark.parametrize("name", ["a", "postman", "backend-2", "x" * 40])
def test_logical_names_accepted(name: str) -> None:
    raw = base()
    raw["applications"] = {name: {}}
    assert name in load(raw).applications


@pytest.mark.parametrize("name", ["Postman", "2fa", "with_underscore", "trailing-", "x" * 41, ""])
def test_logical_names_rejected(name: str) -> None:
    raw = base()
    raw["applications"] = {name: {}}
    assert only_problem(raw).startswith(f"applications.{name}: name ")


def test_display_name_defaults_to_logical_name() -> None:
    raw = base()
    raw["applications"] = {"backend": {}}
    assert load(raw).applications["backend"].display_name == "backend"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [("x" * 257, "at most 256"), (" padded", "leading or trailing"), ("   ", "must not be empty")],
)
def test_display_name_rules(value: str, fragment: str) -> None:
    message = only_problem(with_app(displayName=value))
    assert message.startswith("applications.app.displayName: ")
    assert fragment in message


def test_display_name_of_256_characters_is_accepted() -> None:
    assert load(with_app(displayName="d" * 256)).applications["app"].display_name == "d" * 256


# --- unknown keys ------------------------------------------------------------------------


def test_unknown_key_suggests_the_close_one() -> None:
    message = only_problem(with_app(redirectUri={"web": []}))
    assert (
        message
        == "applications.app.redirectUri: unknown key 'redirectUri'; did you mean 'redirectUris'?"
    )


def test_unknown_nested_key_suggests_from_its_own_section() -> None:
    message = only_problem(with_app(secret={"expiresIn": "6 months", "rotaton": "overlap"}))
    assert (
        message
        == "applications.app.secret.rotaton: unknown key 'rotaton'; did you mean 'rotation'?"
    )


def test_unknown_top_level_key() -> None:
    raw = base()
    raw["aplications"] = {}
    assert "did you mean 'applications'?" in only_problem(raw)


def test_unknown_key_without_a_close_match_lists_the_known_ones() -> None:
    message = only_problem(with_app(secret={"colour": "blue"}))
    assert "unknown key 'colour'" in message
    assert "expiresIn" in message


# --- redirect URIs -------------------------------------------------------------------------


def test_presets_expand_and_duplicates_collapse_in_order() -> None:
    app = load(
        with_app(
            redirectUris={
                "mobileDesktop": [
                    "postman",
                    "myapp://auth",
                    "https://www.getpostman.com/oauth2/callback",
                ],
                "web": ["postman-web", "https://b.example.com/cb", "postman-web"],
            }
        )
    ).applications["app"]
    uris = app.settings.redirect_uris
    assert uris.mobile_desktop == ("https://www.getpostman.com/oauth2/callback", "myapp://auth")
    assert uris.web == ("https://oauth.pstmn.io/v1/callback", "https://b.example.com/cb")


@pytest.mark.parametrize(
    "uri",
    [
        "https://app.example.com/cb",
        "http://localhost:8080/cb",
        "http://127.0.0.1/cb",
        "https://x.example.com/a?b=c",
    ],
)
@pytest.mark.parametrize("platform", ["web", "spa"])
def test_web_and_spa_uris_accepted(uri: str, platform: str) -> None:
    app = load(with_app(redirectUris={platform: [uri]})).applications["app"]
    assert getattr(app.settings.redirect_uris, platform) == (uri,)


@pytest.mark.parametrize(
    ("uri", "fragment"),
    [
        ("http://app.example.com/cb", "uses http"),
        ("myapp://auth", "must use https"),
        ("https://*.example.com/cb", "wildcard"),
        ("https://app.example.com/cb#frag", "must not have one (RFC 6749 3.1.2)"),
        ("http://[::1]:8400/cb", "uses http on the IPv6 loopback, which Entra does not support"),
        (
            "https://app.example.com/cb?a=1;b=(2)",
            "contains a character that Entra does not support in redirect URIs (! $ ' ( ) , ;)",
        ),
        ("https://app.example.com/" + "a" * 240, "at most 256"),
        ("not a uri", "whitespace"),
        ("relative/path", "not an absolute URI"),
    ],
)
def test_web_uri_rules(uri: str, fragment: str) -> None:
    message = only_problem(with_app(redirectUris={"web": ["https://ok.example.com", uri]}))
    assert message.startswith("applications.app.redirectUris.web[1]: ")
    assert fragment in message


def test_spa_uri_rules_are_the_web_rules() -> None:
    message = only_problem(with_app(redirectUris={"spa": ["http://app.example.com"]}))
    assert message.startswith("applications.app.redirectUris.spa[0]: ")


def test_mobile_desktop_takes_custom_schemes_but_not_plain_http() -> None:
    app = load(with_app(redirectUris={"mobileDesktop": ["msal1234://auth", "http://localhost"]}))
    assert app.applications["app"].settings.redirect_uris.mobile_desktop == (
        "msal1234://auth",
        "http://localhost",
    )
    message = only_problem(with_app(redirectUris={"mobileDesktop": ["http://example.com/cb"]}))
    assert message.startswith("applications.app.redirectUris.mobileDesktop[0]: ")


def test_at_most_256_redirect_uris_per_app() -> None:
    uris = [f"https://app.example.com/cb{i}" for i in range(257)]
    assert "at most 256" in only_problem(with_app(redirectUris={"web": uris}))
    assert load(with_app(redirectUris={"web": uris[:256]}))


# --- owners, booleans, secret ------------------------------------------------------------


def test_owners_are_object_ids_deduplicated() -> None:
    owner = "11111111-2222-3333-4444-555555555555"
    app = load(with_app(owners=[owner, owner.upper()])).applications["app"]
    assert app.settings.owners == (owner,)
    assert only_problem(with_app(owners=["alice@contoso.com"])).startswith(
        "applications.app.owners[0]: "
    )


def test_booleans_are_strict() -> None:
    assert load(with_app(publicClientFlows=True)).applications["app"].settings.public_client_flows
    message = only_problem(with_app(publicClientFlows="yes"))
    assert message == "applications.app.publicClientFlows: must be true or false, not 'yes'"


@pytest.mark.parametrize("lifetime", ["3 months", "6 months", "12 months", "24 months"])
def test_secret_lifetimes(lifetime: str) -> None:
    secret = load(with_app(secret={"expiresIn": lifetime})).applications["app"].settings.secret
    assert secret.expires_in == lifetime
    assert secret.mode == "overlap"


def test_secret_lifetime_must_be_a_preset() -> None:
    message = only_problem(with_app(secret={"expiresIn": "7 months"}))
    assert message == (
        "applications.app.secret.expiresIn: '7 months' is not one of "
        "'3 months', '6 months', '12 months' or '24 months'"
    )


def test_rotate_every_must_leave_a_full_period_of_overlap() -> None:
    assert load(with_app(secret={"expiresIn": "6 months", "rotateEvery": "12 weeks"}))
    message = only_problem(with_app(secret={"expiresIn": "6 months", "rotateEvery": "91 days"}))
    assert message.startswith("applications.app.secret: lifetime (180 days) must be at least twice")
    assert "is not a period" in only_problem(with_app(secret={"rotateEvery": "3 months"}))


def test_rotate_every_is_at_least_a_week() -> None:
    assert load(with_app(secret={"expiresIn": "3 months", "rotateEvery": "7 days"}))
    message = only_problem(with_app(secret={"expiresIn": "3 months", "rotateEvery": "6 days"}))
    assert message.startswith(
        "applications.app.secret.rotateEvery: '6 days' is shorter than 7 days"
    )


def test_secret_can_be_switched_off() -> None:
    assert load(with_app(secret=False)).applications["app"].settings.rotating_secret is None


def test_custom_dates_imply_rotation_none() -> None:
    secret = (
        load(with_app(secret={"start": "2026-11-01", "end": "2027-04-30"}))
        .applications["app"]
        .settings.secret
    )
    assert secret.mode == "none"
    assert secret.end == datetime(2027, 4, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("secret", "fragment"),
    [
        ({"rotation": "none", "start": "2026-11-01"}, "needs custom end"),
        (
            {"rotation": "none", "start": "2027-03-01", "end": "2027-02-01"},
            "applications.app.secret.end: must be after start",
        ),
        ({"rotation": "none", "start": "2026-01-01", "end": "2028-06-01"}, "at most 24 months"),
        ({"rotation": "none", "start": "2026-01-01", "end": "2026-06-01"}, "ended on 2026-06-01"),
        ({"rotation": "overlap", "start": "2026-01-01"}, "need rotation: none"),
        (
            {
                "rotation": "none",
                "start": "2026-11-01",
                "end": "2027-01-01",
                "expiresIn": "6 months",
            },
            "not expiresIn",
        ),
        ({"rotation": "none", "start": "yesterday", "end": "2027-01-01"}, "not an ISO 8601 date"),
    ],
)
def test_custom_secret_rules(secret: dict[str, Any], fragment: str) -> None:
    message = only_problem(with_app(secret=secret))
    assert message.startswith("applications.app.secret")
    assert fragment in message


def test_custom_secret_close_to_its_end_warns() -> None:
    settings = load(with_app(secret={"start": "2026-06-01", "end": "2026-12-10"}))
    assert any("12 days left" in warning for warning in settings.warnings)


def test_key_vault_needs_a_secret_and_a_vault_id() -> None:
    vault = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-health"
    app = load(with_app(keyVault={"id": vault})).applications["app"]
    assert app.settings.key_vault is not None
    assert app.settings.key_vault.vault_name == "kv-health"
    assert "secret is false" in only_problem(with_app(keyVault={"id": vault}, secret=False))
    assert only_problem(with_app(keyVault={"id": "/subscriptions/x/vaults/y"})).startswith(
        "applications.app.keyVault.id: "
    )


# --- services, roles, API permissions --------------------------------------------------------


def test_service_urls_and_audiences_are_derived() -> None:
    raw = base()
    raw["services"]["apifhir"] = {"kind": "api-for-fhir", "resourceId": API_FHIR_ID}
    services = load(raw).services
    assert services["fhir"].endpoint_url == "https://wsone-fhir1.fhir.azurehealthcareapis.com"
    assert services["fhir"].scope == "https://wsone-fhir1.fhir.azurehealthcareapis.com/.default"
    assert services["dicom"].token_audience == "https://dicom.healthcareapis.azure.com"
    assert services["apifhir"].endpoint_url == "https://apifhir1.azurehealthcareapis.com"


def test_service_kind_and_resource_id_must_agree() -> None:
    raw = base()
    raw["services"]["fhir"]["resourceId"] = DICOM_ID
    assert (
        only_problem(raw)
        == "services.fhir.resourceId: is the ID of a 'dicom' service, but kind is 'fhir'"
    )
    raw = base()
    raw["services"]["fhir"]["kind"] = "fhirr"
    assert only_problem(raw).startswith("services.fhir.kind: 'fhirr' is not one of")


def test_roles_by_name_or_guid_on_the_right_kind() -> None:
    custom = "11111111-aaaa-bbbb-cccc-222222222222"
    app = load(
        with_app(roles={"fhir": ["fhir data  contributor", custom], "dicom": ["DICOM Data Reader"]})
    ).applications["app"]
    assert [(g.service, g.role_name) for g in app.roles] == [
        ("fhir", "FHIR Data Contributor"),
        ("fhir", custom),
        ("dicom", "DICOM Data Reader"),
    ]


def test_one_role_spelled_several_ways_is_one_grant() -> None:
    reader = "4c8d0bbc-75d3-4935-991f-5f3c56d81508"
    app = load(with_app(roles={"fhir": ["FHIR Data Reader", "fhir data reader", reader.upper()]}))
    assert [(g.service, g.role_name, g.role_guid) for g in app.applications["app"].roles] == [
        ("fhir", "FHIR Data Reader", reader)
    ]


@pytest.mark.parametrize(
    ("roles", "path", "fragment"),
    [
        (
            {"fhir": ["FHIR Data Owner"]},
            "roles.fhir[0]",
            "is not a built-in role; known roles: FHIR Data Contributor",
        ),
        ({"dicom": ["FHIR Data Reader"]}, "roles.dicom[0]", "does not apply to service 'dicom'"),
        ({"fhir": ["DICOM Data Owner"]}, "roles.fhir[0]", "does not apply to service 'fhir'"),
        ({"pacs": ["DICOM Data Owner"]}, "roles.pacs", "is not a service"),
    ],
)
def test_role_errors(roles: dict[str, Any], path: str, fragment: str) -> None:
    message = only_problem(with_app(roles=roles))
    assert message.startswith(f"applications.app.{path}: ")
    assert fragment in message


def test_api_permission_keys_resolve_to_app_ids() -> None:
    app = load(
        with_app(
            apiPermissions={
                "dicom": ["user_impersonation"],
                "microsoft-graph": {"scopes": ["User.Read"], "roles": ["User.Read.All"]},
                "11111111-2222-3333-4444-555555555555": ["read"],
            }
        )
    ).applications["app"]
    assert [(r.key, r.app_id) for r in app.api_permissions] == [
        ("dicom", "75e725bf-66ce-4cea-9b9a-5c4caae57f33"),
        ("microsoft-graph", "00000003-0000-0000-c000-000000000000"),
        ("11111111-2222-3333-4444-555555555555", "11111111-2222-3333-4444-555555555555"),
    ]


def test_api_permission_key_must_be_known() -> None:
    message = only_problem(with_app(apiPermissions={"dicm": ["user_impersonation"]}))
    assert message.startswith("applications.app.apiPermissions.dicm: is not a service name")
    assert "did you mean 'dicom'?" in message


def test_secret_config_values_are_not_echoed_in_errors() -> None:
    raw = with_app(displayName=" hush-hush ")
    message = " ".join(problems_of(raw, secret_keys=frozenset({"applications"})))
    assert "hush-hush" not in message
    assert "[secret]" in message
    message = " ".join(
        problems_of(with_app(publicClientFlows="s3cr3t"), frozenset({"applications"}))
    )
    assert "s3cr3t" not in message
    assert "[secret]" in message


# --- every problem in one run, nothing registered ------------------------------------------


def test_five_mistakes_are_reported_together_and_nothing_is_registered(
    dev_config: dict[str, Any],
) -> None:
    broken = copy.deepcopy(dev_config)
    postman = broken["applications"]["postman"]
    postman["redirectUri"] = {"web": []}  # unknown key
    postman["secret"]["expiresIn"] = "7 months"  # not a preset
    postman["owners"] = ["bob"]  # not an object ID
    broken["applications"]["backend"]["redirectUris"] = {"web": ["http://example.com/cb"]}  # http
    broken["services"]["dicom"]["resourceId"] = "/subscriptions/nope"  # malformed ID
    tenant = FakeTenant()
    with pytest.raises(pulumi.RunError) as caught:
        run_program(broken, now=DEV_NOW, tenant=tenant)
    message = str(caught.value)
    for path in (
        "applications.postman.redirectUri:",
        "applications.postman.secret.expiresIn:",
        "applications.postman.owners[0]:",
        "applications.backend.redirectUris.web[0]:",
        "services.dicom.resourceId:",
    ):
        assert path in message
    assert "(5 problems)" in message
    assert "Traceback" not in message
    assert tenant.applications == {}
    assert tenant.created_sps == {}
    # The tenant is read in the same run (names only it can check), and only read.
    assert {token for token, _ in tenant.invokes} <= {TOKEN_CLIENT_CONFIG, TOKEN_SERVICE_PRINCIPAL}


def test_cross_key_mistakes_are_reported_once_the_keys_parse(dev_config: dict[str, Any]) -> None:
    dev_config["applications"]["postman"]["roles"]["dicom"] = ["FHIR Data Reader"]
    dev_config["applications"]["backend"]["roles"]["fhir"] = ["FHIR Data Owner"]
    tenant = FakeTenant()
    with pytest.raises(pulumi.RunError) as caught:
        run_program(dev_config, now=DEV_NOW, tenant=tenant)
    assert "applications.backend.roles.fhir[0]:" in str(caught.value)
    assert "applications.postman.roles.dicom[0]:" in str(caught.value)
    assert tenant.applications == {}


def test_five_independent_mistakes_in_one_message() -> None:
    raw = base()
    raw["applications"]["app"].update(
        redirectUri={},
        publicClientFlows="no",
        secret={"expiresIn": "1 year"},
        owners=["bob"],
    )
    raw["services"]["fhir"]["resourceId"] = "/subscriptions/x"
    found = problems_of(raw)
    paths = {message.split(": ")[0] for message in found}
    assert paths == {
        "applications.app.redirectUri",
        "applications.app.publicClientFlows",
        "applications.app.secret.expiresIn",
        "applications.app.owners[0]",
        "services.fhir.resourceId",
    }


# --- property: random config validates or raises ConfigError, never anything else ----------

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=12),
    st.sampled_from(["6 months", "postman", "fhir", "overlap", "none", "2027-01-01", FHIR_ID]),
)
keys = st.sampled_from(
    [
        "kind",
        "resourceId",
        "displayName",
        "publicClientFlows",
        "redirectUris",
        "web",
        "spa",
        "mobileDesktop",
        "secret",
        "expiresIn",
        "rotation",
        "start",
        "end",
        "roles",
        "fhir",
        "dicom",
        "apiPermissions",
        "owners",
        "federatedCredentials",
        "repository",
        "branch",
        "keyVault",
        "id",
        "certificates",
        "adminConsent",
        "x",
    ]
)
json_values = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    services=st.dictionaries(st.sampled_from(["fhir", "dicom", "Bad"]), json_values, max_size=2),
    apps=st.dictionaries(st.sampled_from(["app", "postman", "9x"]), json_values, max_size=2),
)
def test_random_config_validates_or_raises_config_error(services: Any, apps: Any) -> None:
    try:
        load({"services": services, "applications": apps})
    except ConfigError as error:
        assert error.problems
        assert all(problem.message for problem in error.problems)


@settings(max_examples=150, deadline=None)
@given(
    app=st.fixed_dictionaries(
        {},
        optional={
            "displayName": st.text(min_size=1, max_size=20),
            "publicClientFlows": st.booleans(),
            "redirectUris": st.fixed_dictionaries(
                {},
                optional={
                    "web": st.lists(
                        st.sampled_from(
                            ["postman-web", "https://a.example.com/x", "http://localhost:3000"]
                        ),
                        max_size=3,
                    )
                },
            ),
            "secret": st.fixed_dictionaries(
                {"expiresIn": st.sampled_from(["3 months", "6 months", "12 months", "24 months"])}
            ),
            "roles": st.fixed_dictionaries(
                {},
                optional={
                    "fhir": st.lists(
                        st.sampled_from(["FHIR Data Reader", "FHIR Data Writer"]), max_size=2
                    )
                },
            ),
        },
    )
)
def test_well_formed_config_always_validates(app: dict[str, Any]) -> None:
    raw = base()
    raw["applications"] = {"app": app}
    try:
        settings_ = load(raw)
    except ConfigError as error:  # only the display name may be unacceptable text
        assert all(p.path == "applications.app.displayName" for p in error.problems), error
    else:
        assert "app" in settings_.applications
