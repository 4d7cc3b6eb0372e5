"""The client secret's settings: lifetime, rotation period or fixed dates, and the rules
across them (docs/design.md, "Rotation")."""

import re
from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, StrictStr

from components.config.base import ConfigModel, Instant, Rule, given
from components.errors import Invalid, Plain
from components.rotation import LIFETIMES, MAX_LIFETIME, RotationPolicy

# The shipped rotate workflow runs weekly; every period must contain at least one run.
MIN_ROTATION_DAYS = 7

DURATION_RE = re.compile(r"^\s*(\d{1,4})\s*(day|days|week|weeks)\s*$", re.I)


def parse_period(value: str) -> timedelta:
    match = DURATION_RE.fullmatch(value)
    if not match:
        raise Invalid("{} is not a period like '90 days' or '12 weeks'", value)
    count = int(match[1])
    days = count * (7 if match[2].lower().startswith("week") else 1)
    if days < MIN_ROTATION_DAYS:
        # A run that crosses two generation boundaries replaces both slots at once, which
        # is exactly the downtime the two slots exist to prevent.
        raise Invalid(
            f"{{}} is shorter than {MIN_ROTATION_DAYS} days; the rotate workflow runs "
            "weekly, and a run that crosses two rotation boundaries replaces both secrets at once",
            value,
        )
    return timedelta(days=days)


def _check_period(value: str) -> str:
    parse_period(value)  # raises Invalid for a period that is not one
    return value


class SecretSettings(ConfigModel):
    expires_in: Literal["3 months", "6 months", "12 months", "24 months"] | None = None
    rotation: Literal["overlap", "none"] | None = None
    rotate_every: Annotated[StrictStr, AfterValidator(_check_period)] | None = None
    start: Instant | None = None
    end: Instant | None = None

    @property
    def mode(self) -> Literal["overlap", "none"]:
        if self.rotation is not None:
            return self.rotation
        return "none" if (self.start is not None or self.end is not None) else "overlap"

    @property
    def lifetime(self) -> timedelta:
        return LIFETIMES[self.expires_in or "6 months"]

    def policy(self) -> RotationPolicy:
        if self.rotate_every is None:
            return RotationPolicy.default_for(self.lifetime)
        return RotationPolicy(lifetime=self.lifetime, period=parse_period(self.rotate_every))


def secret_rules(secret: SecretSettings, failed: frozenset[str], now: datetime) -> list[Rule]:
    """The rules across the keys of ``secret``; ``failed`` are the keys that did not parse."""
    if "rotation" in failed:
        return []  # which mode applies is unknown
    custom = given(secret, "start") or given(secret, "end")
    mode = secret.rotation or ("none" if custom else "overlap")
    if mode == "none":
        return _fixed_dates_rules(secret, failed, now, implied=secret.rotation is None)
    if custom:
        return [
            (
                (),
                Invalid(
                    "custom start/end dates need rotation: none (overlap derives its own dates)"
                ),
            )
        ]
    if failed & {"expires_in", "rotate_every"}:
        return []
    return _overlap_rules(secret)


def _fixed_dates_rules(
    secret: SecretSettings, failed: frozenset[str], now: datetime, *, implied: bool
) -> list[Rule]:
    out: list[Rule] = []
    missing = [key for key in ("start", "end") if not given(secret, key)]
    if missing and implied:
        # The user wrote one date and no mode: say why the other is wanted.
        present = "end" if missing == ["start"] else "start"
        out.append(
            (
                (),
                Invalid(
                    f"a custom {present} date means rotation: none, "
                    f"which needs a custom {missing[0]} date too"
                ),
            )
        )
    elif missing:
        out.append(((), Invalid(f"rotation: none needs custom {' and '.join(missing)} date(s)")))
    if given(secret, "expires_in") or given(secret, "rotate_every"):
        out.append(
            (
                (),
                Invalid(
                    "rotation: none takes custom start/end dates, not expiresIn or rotateEvery"
                ),
            )
        )
    start = None if "start" in failed else secret.start
    end = None if "end" in failed else secret.end
    if start is not None and end is not None:
        if end <= start:
            out.append((("end",), Invalid("must be after start")))
        elif end - start > MAX_LIFETIME:
            out.append(
                (
                    ("end",),
                    Invalid(
                        "is more than 24 months after start; a client secret may live at "
                        "most 24 months"
                    ),
                )
            )
    if end is not None and end <= now:
        out.append(
            (
                ("end",),
                Invalid(
                    "the custom secret ended on {}; set a later 'end' (and 'start'), or "
                    "switch to rotation: overlap with expiresIn",
                    Plain(end.date().isoformat()),
                ),
            )
        )
    return out


def _overlap_rules(secret: SecretSettings) -> list[Rule]:
    try:
        secret.policy()
    except ValueError:
        assert secret.rotate_every is not None  # the default period always fits
        return [
            (
                (),
                Invalid(
                    "lifetime ({} days) must be at least twice the rotation period ({} days) "
                    "so the previous secret outlives a full period",
                    Plain(str(secret.lifetime.days)),
                    Plain(str(parse_period(secret.rotate_every).days)),
                ),
            )
        ]
    return []
