from smartcity.core.identity.permissions import Role, define_permission

CHANNEL_PUBLISH = define_permission(
    "channel.publish",
    "Write, publish, update and withdraw the channel's announcements, events and warnings",
    roles={Role.ADMIN, Role.COMMUNICATIONS},
)
CHANNEL_FEDERATION = define_permission(
    "channel.federation",
    "See the channel's followers and the delivery state per remote server",
    roles={Role.ADMIN, Role.COMMUNICATIONS, Role.AUDITOR},
)
