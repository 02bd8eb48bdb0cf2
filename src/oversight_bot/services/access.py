"""Who is asking, and what they may do. Roles come from configuration: each role lists platform
user ids and group ids (Slack user groups); a person has a role if listed, or in a listed group."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from oversight_bot.domain.actors import Actor


class Role(StrEnum):
    READER = "reader"
    REPORTER = "reporter"
    OVERSIGHT = "oversight"
    SPEAK_UP_GUARDIAN = "speak_up_guardian"
    ADMIN = "admin"


# Roles everyone holds unless configuration lists who does: reading segments, and raising a concern
# (a speak-up route open only to a list would stop the people it exists for).
OPEN_BY_DEFAULT = frozenset({Role.READER, Role.REPORTER})


class SubscriptionPolicy(StrEnum):
    ANYONE = "anyone"  # anyone in the channel
    GROUP = "group"  # members of a user group (or holders of a role)
    ADMINS = "admins"


@dataclass(frozen=True, slots=True)
class AccessRules:
    members: Mapping[Role, frozenset[str]] = field(default_factory=dict)
    subscription_policy: SubscriptionPolicy = SubscriptionPolicy.ANYONE
    subscription_group: str | None = None  # with GROUP: a group id, or a role name
    trusted_platforms: frozenset[str] = frozenset({"console"})  # the local operator holds every role


class Directory(Protocol):
    """A platform's groups: who is in a group (Slack user groups)."""

    def members(self, platform: str, workspace: str, group: str) -> frozenset[str]: ...


class NoGroups:
    def members(self, platform: str, workspace: str, group: str) -> frozenset[str]:
        return frozenset()


class Access:
    def __init__(self, rules: AccessRules, directory: Directory | None = None) -> None:
        self.rules = rules
        self.directory = directory or NoGroups()

    def has(self, actor: Actor, role: Role) -> bool:
        if actor.platform in self.rules.trusted_platforms:
            return True
        if role in OPEN_BY_DEFAULT and not self.rules.members.get(role):
            return True  # with no list configured, everyone in the workspace may read and raise concerns
        return self._listed(actor, self.rules.members.get(role, frozenset()))

    def reading_is_open(self) -> bool:
        """Everyone may read (no reader list configured): no one's answer depends on who asks."""
        return not self.rules.members.get(Role.READER)

    def may_read(self, actor: Actor) -> bool:
        """Segments and alerts: readers, and every role that works with concerns."""
        roles = (Role.READER, Role.OVERSIGHT, Role.SPEAK_UP_GUARDIAN, Role.ADMIN)
        return any(self.has(actor, role) for role in roles)

    def may_change_subscriptions(self, actor: Actor) -> bool:
        rules = self.rules
        if actor.platform in rules.trusted_platforms or self.has(actor, Role.ADMIN):
            return True
        match rules.subscription_policy:
            case SubscriptionPolicy.ANYONE:
                return True
            case SubscriptionPolicy.GROUP if rules.subscription_group:
                group = rules.subscription_group
                if group in Role.__members__.values():
                    return self.has(actor, Role(group))
                return self._listed(actor, frozenset({group}))
        return False

    def _listed(self, actor: Actor, members: frozenset[str]) -> bool:
        if actor.user_id in members:
            return True
        return any(actor.user_id in self._group(actor, member) for member in members if is_group_id(member))

    def _group(self, actor: Actor, group: str) -> frozenset[str]:
        # A directory that cannot be read answers empty: access is denied, never wrongly granted.
        return self.directory.members(actor.platform, actor.workspace, group)


def is_group_id(member: str) -> bool:
    """Slack user group ids start with S (user ids with U or W)."""
    return member.startswith("S") and member[1:].isalnum()
