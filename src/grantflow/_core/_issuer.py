"""Issuer templates: one discovery document for many tenants, each with its own issuer.

A multi-tenant provider (Microsoft Entra ID's ``/common``, ``/organizations`` and
``/consumers`` endpoints) publishes one discovery document whose ``issuer`` is a template,
``https://login.microsoftonline.com/{tenantid}/v2.0``; each ID token's ``iss`` carries the
tenant the user signed in with, and its ``tid`` claim names that tenant. OpenID Connect
Discovery §4.3 and Core §3.1.3.7 step 2 want exact issuer equality, which such a
provider cannot meet, so the template is an opt-in (``issuer_template=``): the ID token's
``iss`` must then equal the template with ``{tenantid}`` replaced by its own ``tid``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["TENANT_PLACEHOLDER", "check_issuer_template", "issuer_for_tenant", "template_matches"]

TENANT_PLACEHOLDER = "{tenantid}"

# A tenant is one path segment: Entra uses GUIDs; nothing may add a path, query or host.
_TENANT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def check_issuer_template(value: object) -> str | None:
    """``value`` as an issuer template (None: no template); a ValueError when unusable."""
    if value is None:
        return None
    if not isinstance(value, str) or value.count(TENANT_PLACEHOLDER) != 1:
        raise ValueError(
            "issuer_template must be a URL holding {tenantid} once, e.g. "
            "'https://login.microsoftonline.com/{tenantid}/v2.0'"
        )
    return value


def issuer_for_tenant(template: str, claims: Mapping[str, Any]) -> str | None:
    """The issuer an ID token with ``claims`` must carry, or None when its ``tid`` is not
    a tenant identifier (absent, not a string, or more than one path segment)."""
    tenant = claims.get("tid")
    if not isinstance(tenant, str) or not _TENANT.fullmatch(tenant):
        return None
    return template.replace(TENANT_PLACEHOLDER, tenant)


def template_matches(template: str, issuer: str) -> bool:
    """Whether ``issuer`` is ``template`` itself or ``template`` for one tenant.

    A discovery document fetched from ``/common`` names the template; one fetched from a
    tenant's own URL names that tenant's issuer. Both belong to the provider.
    """
    if issuer == template:
        return True
    prefix, _, suffix = template.partition(TENANT_PLACEHOLDER)
    if not (issuer.startswith(prefix) and issuer.endswith(suffix)):
        return False
    tenant = issuer[len(prefix) : len(issuer) - len(suffix)]
    return bool(_TENANT.fullmatch(tenant))
