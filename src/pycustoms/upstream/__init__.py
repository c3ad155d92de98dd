"""Sources of facts from an upstream index: the client, its cache and pip's configuration."""

from pycustoms.upstream.client import ClientOptions, UpstreamClient
from pycustoms.upstream.models import IndexFile, ProjectInfo, ProjectPage, ProjectStatus, Role

__all__ = [
    "ClientOptions",
    "IndexFile",
    "ProjectInfo",
    "ProjectPage",
    "ProjectStatus",
    "Role",
    "UpstreamClient",
]
