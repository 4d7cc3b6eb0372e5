"""SMART scopes as SMART spells them, translated to Entra's form (components.smart): the
translation the Microsoft sample applies, never merging two scopes into one, and refusing
exactly what Microsoft Graph refuses. Property-based where the grammar allows it."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import smart
from components.errors import Invalid

CONTEXTS = st.sampled_from(["patient", "user", "system"])
RESOURCE_TYPES = st.one_of(
    st.just("*"),
    st.sampled_from(["Patient", "Observation", "AllergyIntolerance", "MedicationRequest"]),
    st.from_regex(r"[A-Z][a-z]{1,12}", fullmatch=True),
)
V1 = st.sampled_from(["read", "write", "*"])
# SMART v2: a non-empty subsequence of c r u d s, in that order.
V2 = st.lists(st.sampled_from("cruds"), min_size=1, max_size=5, unique=True).map(
    lambda letters: "".join(sorted(letters, key="cruds".index))
)
# Search parameter values as the sample's categories write them: system URLs, | and codes.
QUERY_VALUES = st.from_regex(
    r"[a-z]{1,8}=https?://[a-z.]{1,20}(/[A-Za-z-]{1,12}){0,3}\|[a-z-]{1,12}", fullmatch=True
)


@st.composite
def clinical(draw: st.DrawFn, *, query: bool = True) -> str:
    context, kind = draw(CONTEXTS), draw(RESOURCE_TYPES)
    if draw(st.booleans()):
        return f"{context}/{kind}.{draw(V1)}"
    scope = f"{context}/{kind}.{draw(V2)}"
    if query and draw(st.booleans()):
        scope += "?" + "&".join(draw(st.lists(QUERY_VALUES, min_size=1, max_size=2)))
    return scope


def back_to_smart(entra: str) -> str:
    """The reverse mapping, written here from the rule (not from the module): '.' back to '/'
    at the two structural places, 'all' back to '*' where it stands for a wildcard, %2f back
    to '/' after '?'."""
    head, question, query = entra.partition("?")
    context, kind, permission = re.fullmatch(
        r"(patient|user|system)\.(.+)\.([a-z*]+|all)", head
    ).groups()  # type: ignore[union-attr]
    kind = "*" if kind == "all" else kind
    permission = "*" if permission == "all" else permission
    return f"{context}/{kind}.{permission}" + (
        question + query.replace("%2f", "/") if question else ""
    )


@given(clinical())
def test_a_clinical_scope_reads_back_from_its_entra_form(scope: str) -> None:
    parsed = smart.parse(scope)
    if isinstance(parsed, Invalid):
        # Only Graph's length limit can refuse a scope of this grammar.
        assert len(smart.to_entra(scope)) > smart.MAX_ENTRA_VALUE
        return
    head = parsed.entra.partition("?")[0]
    assert "/" not in parsed.entra and "*" not in head
    assert back_to_smart(parsed.entra) == scope


@given(clinical(), clinical())
def test_two_scopes_never_become_one_entra_value(first: str, second: str) -> None:
    if first != second:
        assert smart.to_entra(first) != smart.to_entra(second)


@given(clinical(query=False))
def test_the_kind_of_permission_follows_the_context(scope: str) -> None:
    parsed = smart.parse(scope)
    assert isinstance(parsed, smart.SmartScope)
    assert parsed.is_app_role == scope.startswith("system/")
    assert parsed.version == (1 if scope.rsplit(".", 1)[1] in ("read", "write", "*") else 2)


@given(clinical(), clinical())
def test_permission_ids_are_stable_and_distinct(first: str, second: str) -> None:
    a, b = smart.parse(first), smart.parse(second)
    if isinstance(a, Invalid) or isinstance(b, Invalid):
        return
    assert a.permission_id == smart.parse(first).permission_id  # type: ignore[union-attr]
    assert (a.permission_id == b.permission_id) == (
        a.entra == b.entra and a.is_app_role == b.is_app_role
    )


@given(st.text(min_size=1, max_size=150))
def test_graph_refuses_exactly_its_own_rule(value: str) -> None:
    allowed = re.fullmatch(r"[A-Za-z0-9:!#$%&'()*+,\-./;<=>?@\[\]^_`{|}~]*", value) is not None
    expected = len(value) <= 120 and allowed and not value.startswith(".")
    assert (smart.entra_refusals(value) == []) == expected


@given(clinical(query=False), st.text(alphabet=' "\\\u00e9\t', min_size=1, max_size=3))
def test_a_forbidden_character_is_named(scope: str, bad: str) -> None:
    if scope.rsplit(".", 1)[1] in ("read", "write", "*"):
        scope = scope.rsplit(".", 1)[0] + ".rs"
    refused = smart.parse(f"{scope}?code={bad}")
    assert isinstance(refused, Invalid)
    assert "Microsoft Graph does not allow" in str(refused)
    for ch in set(bad):
        assert repr(ch) in str(refused)


def test_the_examples_microsoft_documents() -> None:
    # Microsoft Learn healthcare-apis/fhir/smart-on-fhir and the sample's manifest.
    expected = {
        "patient/*.read": "patient.all.read",
        "user/*.*": "user.all.all",
        "system/*.read": "system.all.read",
        "launch/patient": "launch.patient",
        "launch": "launch",
        "fhirUser": "fhirUser",
        "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory": (
            "patient.Observation.rs?category=http:%2f%2fterminology.hl7.org%2fCodeSystem%2f"
            "observation-category|laboratory"
        ),
    }
    for scope, entra in expected.items():
        parsed = smart.parse(scope)
        assert isinstance(parsed, smart.SmartScope), parsed
        assert parsed.entra == entra


@pytest.mark.parametrize(
    ("scope", "words"),
    [
        ("patient/Observation.dr", "is not a SMART scope"),
        ("patient/observation.read", "is not a SMART scope"),
        ("practitioner/*.read", "is not a SMART scope"),
        ("patient/*.read?category=x", "only SMART v2 scopes take them"),
        ("patient/Observation.rs?code=a%2fb", "%2f"),
        ("openid", "is not a SMART scope"),  # a Microsoft Graph scope, not the resource's
        (
            "patient/Condition.rs?category=http://hl7.org/fhir/us/core/CodeSystem/condition-category|health-concern&code=abc",
            "characters long (Microsoft Graph accepts at most 120)",
        ),
    ],
)
def test_what_is_refused_and_why(scope: str, words: str) -> None:
    refused = smart.parse(scope)
    assert isinstance(refused, Invalid)
    assert words in str(refused)


def test_a_refusal_withholds_the_user_values_under_a_secret_key() -> None:
    refused = smart.parse("patient/Condition.rs?code=a b")
    assert isinstance(refused, Invalid)
    assert "a b" in str(refused)
    withheld = refused.render(withhold=True)
    assert "Condition" not in withheld and "' '" not in withheld
    assert "Microsoft Graph does not allow" in withheld


@given(st.integers(min_value=100, max_value=140), st.sampled_from("a.Z9%|?=&"))
def test_the_length_limit_is_graphs_120(length: int, filler: str) -> None:
    value = "p" + filler * (length - 1)
    assert (smart.entra_refusals(value) == []) == (length <= smart.MAX_ENTRA_VALUE == 120)
