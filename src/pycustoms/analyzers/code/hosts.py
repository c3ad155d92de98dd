"""Kinds of network peers that packages have no business talking to, and IP-lookup services.

A URL in code is not suspicious; a URL whose host is where attackers receive
data or host stage twos is. Each alternation below names a *kind* of host seen
in malicious packages (never one campaign's domain):

- raw public IPs (`http://203.0.113.7/...`; loopback and private ranges are
  filtered by the caller);
- chat webhooks and bot APIs (Discord, Slack, Telegram) and chat CDNs serving
  attachments (stage twos uploaded to a chat);
- request catchers and out-of-band testing services (the dependency-confusion
  beacon's destination);
- tunnels that expose a laptop to the internet;
- paste sites, anonymous file drops and mock-API services;
- free static and serverless hosting on a shared domain, where a throwaway
  sub-domain costs nothing;
- IP loggers, URL shorteners and dynamic-DNS names (which hide the real host);
- URLs of Windows executables and scripts.

An ordinary library may name one of these in documentation; what makes the
finding is a network call, a download that runs, or data sent to it (the walker
decides that). IP-lookup services answer with the machine's public address:
what they return is host information.
"""

from __future__ import annotations

import ipaddress
import re

_KINDS = (
    # raw public IPv4 in a URL (the caller skips loopback and private ranges)
    r"(?:https?|wss?|ftp|tcp)://(?:\d{1,3}\.){3}\d{1,3}(?![\d.])",
    # chat webhooks, bot APIs and chat attachment CDNs
    r"discord(?:app)?\.com/api/(?:v\d+/)?webhooks|hooks\.slack\.com|api\.telegram\.org/bot",
    r"(?:cdn\.discordapp\.com|media\.discordapp\.net)/attachments",
    # request catchers and out-of-band testing
    r"webhook\.site|requestbin|pipedream\.net|burpcollaborator|oastify|interact\.sh|interactsh",
    r"\boast\.[a-z]{2,}\b|canarytokens|dnslog|ceye\.io|beeceptor|requestcatcher|hookb\.in",
    r"bxss\.me|xss\.ht|requestrepo|pingb\.in|postb\.in|ptsv[23]\.com|typedwebhook|webhook\.cool",
    r"mockapi\.io|mocky\.io|\brequest\.[a-z]+\.sh\b",
    # tunnels
    r"ngrok|trycloudflare|serveo|localtunnel|\.loca\.lt\b|pagekite|\.lhr\.life|localhost\.run",
    r"\.tunnelmole|\.pinggy\.|portmap\.io|\.playit\.gg",
    # paste sites, anonymous file drops
    r"pastebin\.com|paste\.ee|hastebin|transfer\.sh|anonfiles?|\bfile\.io\b|gofile\.io",
    r"catbox\.moe|bashupload|0x0\.st|temp\.sh|rentry\.(?:co|org)|termbin|sprunge|dpaste",
    r"paste\.rs|ghostbin|controlc\.com|privatebin|justpaste\.it|pastes\.io|pastie\.",
    r"dl\.dropbox(?:usercontent)?\.com|dropbox\.com/s/[^\s\"']+\?dl=1|mediafire\.com/file",
    r"anonymfile|filebin\.net|uploadfiles\.io|files\.fm|send\.cm|pixeldrain",
    # free hosting on a shared domain
    r"\.pages\.dev\b|\.workers\.dev\b|\.r2\.dev\b|\.onrender\.com|\.pythonanywhere\.com",
    r"\.repl\.co\b|\.replit\.(?:app|dev)\b|\.glitch\.me\b|\.vercel\.app\b|\.netlify\.app\b",
    r"\.000webhostapp\.com|\.herokuapp\.com|\.firebaseio\.com|\.web\.app\b|\.surge\.sh\b",
    # IP loggers, shorteners, dynamic DNS
    r"iplogger\.|grabify\.link|\b2no\.co\b|\byip\.su\b|blasze\.|ipgrabber",
    r"\bbit\.ly/|tinyurl\.com/|\bis\.gd/|cutt\.ly/|\bt\.ly/|shorturl\.at/|\brb\.gy/|\bt\.co/",
    r"duckdns\.org|\.ddns\.net|\.hopto\.org|\.zapto\.org|\.no-ip\.|\.serveftp\.|\.myftp\.",
    r"\.dynu\.(?:net|com)|\.mooo\.com|\.freedns\.|\.sytes\.net|\.servebeer\.",
    r"\.anondns\.net|\.dnsabr\.com|\.linkpc\.net|\.ddnsfree\.com|\.gleeze\.com",
    # onion services
    r"\.onion\b",
    # URLs of Windows programs and scripts (a stage two), query string allowed
    r"https?://[^\s\"'<>]+\.(?:exe|scr|bat|cmd|ps1|vbs|hta|msi|dll)(?:\?[^\s\"'<>]*)?(?=[\s\"'<>]|$)",
)
SUSPICIOUS_HOST = re.compile("|".join(f"(?:{k})" for k in _KINDS), re.IGNORECASE)

# Services that answer with the caller's public IP address (and geolocation).
IP_LOOKUP = re.compile(
    r"ipinfo\.io|ipify\.org|ifconfig\.(?:me|co|io)|icanhazip|ip-api\.com|ipapi\.co"
    r"|checkip\.amazonaws\.com|myexternalip|ident\.me|ipecho\.net|wtfismyip|api\.myip"
    r"|geolocation-db\.com|ipwhois\.app|ipgeolocation\.io|ip\.sb\b",
    re.IGNORECASE,
)

_URL_IP = re.compile(r"(?:https?|wss?|ftp|tcp)://((?:\d{1,3}\.){3}\d{1,3})(?![\d.])", re.IGNORECASE)
_NOT_PUBLIC = tuple(
    ipaddress.ip_network(n)
    for n in (
        *("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16"),
        *("172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/3"),
    )
)


def public_ip(text: str) -> bool:
    """True if *text* is a public IPv4 address (not loopback, private, link-local...)."""
    try:
        address = ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return not any(address in net for net in _NOT_PUBLIC)


# Top-level domains where registrations cost almost nothing and that campaigns favour for
# throwaway collection hosts. Not suspicious in itself (real projects live there too):
# only where a signing key or seed goes (see `ast_tables.NAMED_KEY`).
THROWAWAY_TLD = re.compile(
    r"\b(?:https?|wss?)://[a-z0-9.-]+\.(?:sbs|xyz|top|click|buzz|icu|cyou|cfd|bond|rest|quest"
    r"|monster|lol|fun|online|site|store|shop|space|live|pw|tk|ml|ga|cf|gq)(?=[:/\s\"']|$)",
    re.IGNORECASE,
)


# A collaborator address of an out-of-band testing service: a per-test sub-domain (the
# tester's or attacker's id) under the service's domain. Documentation names the
# service; only a probe carries its own id. Anything sent there reports to the probe's
# author that, and where, the package ran.
OOB_ADDRESS = re.compile(
    r"\b[a-z0-9]{8,}\.(?:oastify\.com|burpcollaborator\.net|oast\.[a-z]{2,}"
    r"|interact\.sh|interactsh\.com|dnslog\.cn|ceye\.io)\b",
    re.IGNORECASE,
)


def suspicious_host(text: str) -> str | None:
    """The first suspicious host reference in *text* (see the module docstring), or None."""
    for match in SUSPICIOUS_HOST.finditer(text):
        found = match.group(0)
        ip = _URL_IP.match(found)
        if ip is not None and not public_ip(ip.group(1)):
            continue
        return found
    return None
