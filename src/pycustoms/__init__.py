"""pycustoms: a supply-chain firewall for Python packages."""

__version__ = "0.1.0"
