"""The federated credential rule: subjects are exact, since Entra matches them exactly."""

from __future__ import annotations

from policy.wire import FEDERATED_CREDENTIAL, Config, Props, is_unknown


def check_federated_subject(resource_type: str, props: Props, config: Config) -> list[str]:
    """Federated identity credential subjects are exact: no ``*`` or ``?`` wildcards."""
    if resource_type != FEDERATED_CREDENTIAL:
        return []
    subject = props.get("subject")
    if is_unknown(subject):
        return []
    if not isinstance(subject, str) or not subject.strip():
        return ["federated credential has no subject."]
    if "*" in subject or "?" in subject:
        return [
            f"subject {subject!r} contains a wildcard: Entra ID matches subjects exactly, so "
            "name the repository, branch, environment or pull_request claim in full."
        ]
    if subject != subject.strip():
        return [f"subject {subject!r} has leading or trailing whitespace: it would never match."]
    return []
