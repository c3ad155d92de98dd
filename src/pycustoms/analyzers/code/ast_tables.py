"""Name tables and string patterns used by the `ast` engine.

Kept apart from the walker so that the catalogue of what counts as a decoder, a
network call or a credential path can be read (and reviewed) on its own. Names
are fully qualified after import-alias resolution (``from base64 import
b64decode as d`` makes ``d(...)`` a call to ``base64.b64decode``).
"""

from __future__ import annotations

import re

from pycustoms.analyzers.code import hosts

# Taint labels carried by values.
DECODED = "decoded"  # output of a decoder or decompressor
BUILT = "built"  # a string assembled from chr() codes, reversal or joins of pieces
NETDATA = "network-data"  # a network response
FILEDATA = "file-data"  # contents of a non-Python file
ENV_ALL = "env-all"  # the whole environment
ENV_ONE = "env-one"  # one environment variable
HOSTINFO = "host-info"  # hostname, user name, working directory, home
CRED_PATH = "credential-path"  # a path naming a credential store
CRED = "credential-data"  # contents read from a credential store
SOCKET = "socket"  # a socket object (or its file descriptor)
NETOBJ = "network-object"  # an HTTP session/connection object
PERSIST_PATH = "persistence-path"  # a path or key used for persistence
MOD_OS = "module-os"  # a dynamically imported module object

# A value whose own name says it is a key, seed or password (`def sign(private_key)`,
# `self._secret_key`): a secret only when it goes to a webhook, paste, tunnel or raw IP
# (SDKs send passwords to their own services all day). Not `token` or `api_key`: a bot
# token in the bot API's URL, or an API key to a small service on free hosting, is
# how those services authenticate.
NAMED_SECRET = "named-secret"  # noqa: S105 - a label name, not a password
SECRET_NAME = re.compile(
    r"(?:^|_)(?:private_?key|priv_?key|secret_?key|mnemonic|seed_?phrase|seed|passphrase"
    r"|wallet_?key|recovery_?phrase|keystore|password|passwd|key_?secret|api_?secret"
    r"|access_?key(?:_?id)?|secret_?id)(?:_|$|s$)",
    re.IGNORECASE,
)
# Of those, names of keys that sign or unlock (not passwords or API secret keys, which
# services check; `secret_key` is both, so it stays out): an
# SDK signs with them locally and never sends them, so sending one to a host on a
# throwaway domain (`hosts.THROWAWAY_TLD`) is theft even without a webhook.
NAMED_KEY = "named-key"
KEY_NAME = re.compile(
    r"(?:^|_)(?:private_?key|priv_?key|mnemonic|seed_?phrase|wallet_?key"
    r"|recovery_?phrase|keystore)(?:_|$|s$)",
    re.IGNORECASE,
)
SECRET_LABELS = frozenset({ENV_ALL, CRED})
# Text decoded or assembled from pieces: what code hides from a reader.
HIDDEN_LABELS = frozenset({DECODED, BUILT})
PROBE_LABELS = frozenset({HOSTINFO})

DECODERS = frozenset(
    {
        "base64.b64decode",
        "base64.standard_b64decode",
        "base64.urlsafe_b64decode",
        "base64.b32decode",
        "base64.b32hexdecode",
        "base64.b16decode",
        "base64.a85decode",
        "base64.b85decode",
        "base64.decodebytes",
        "base64.decodestring",
        "binascii.unhexlify",
        "binascii.a2b_hex",
        "binascii.a2b_base64",
        "binascii.a2b_uu",
        "bytes.fromhex",
        "bytearray.fromhex",
        "zlib.decompress",
        "gzip.decompress",
        "bz2.decompress",
        "lzma.decompress",
        "marshal.loads",
        "pickle.loads",
        "codecs.decode",
        "cryptography.fernet.Fernet.decrypt",
    }
)
# Methods that decode whatever object they are called on.
DECODER_METHODS = frozenset({"decrypt", "decompress"})
CODECS_DECODE_NAMES = frozenset(
    {"rot13", "rot_13", "hex", "hex_codec", "base64", "base64_codec", "zlib", "zip", "bz2", "uu"}
)

# Sinks that run code.
EXEC_SINKS = frozenset({"exec", "eval", "compile", "types.FunctionType", "execfile"})
# Deserialisers that call whatever the data names.
UNPICKLERS = frozenset(
    {"pickle.loads", "cPickle.loads", "_pickle.loads", "dill.loads", "cloudpickle.loads"}
)
IMPORT_SINKS = frozenset({"__import__", "importlib.import_module", "importlib.__import__"})
BUILTIN_MODULES = frozenset({"builtins", "__builtins__", "__builtin__"})
NONPY = "non-python-path"  # a path to a file that is not Python source
WRITEH = "write-handle"  # a file opened for writing
CHR = "chr"  # a single chr() result
STEALER_PATH = "stealer-path"  # a path to a browser, chat or wallet store
METADATA = "metadata-endpoint"  # the cloud instance metadata address
OBJECT_LABELS = frozenset({SOCKET, NETOBJ, WRITEH, MOD_OS})
NONPY_SUFFIX = re.compile(
    r"\.(txt|json|dat|bin|png|jpe?g|gif|bmp|ico|webp|csv|xml|ya?ml|cfg|ini|md|rst|log|b64|enc|"
    r"html?|js|css|svg|wav|mp3|pyc|key|pem|db|sqlite|tmp)$",
    re.IGNORECASE,
)
SHELLCODE_APIS = frozenset(
    {
        "VirtualAlloc",
        "VirtualAllocEx",
        "RtlMoveMemory",
        "CreateThread",
        "CreateRemoteThread",
        "WriteProcessMemory",
        "VirtualProtect",
        "WaitForSingleObject",
        "NtAllocateVirtualMemory",
    }
)

NETWORK_CALLS = frozenset(
    {
        "urllib.request.urlopen",
        "urllib.request.urlretrieve",
        "urllib.urlopen",
        "urllib.urlretrieve",
        "urllib2.urlopen",
        "requests.get",
        "requests.post",
        "requests.put",
        "requests.patch",
        "requests.delete",
        "requests.head",
        "requests.request",
        "requests.options",
        "httpx.get",
        "httpx.post",
        "httpx.put",
        "httpx.patch",
        "httpx.delete",
        "httpx.request",
        "httpx.stream",
        "urllib3.request",
        "socket.create_connection",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyname_ex",
        "dns.resolver.resolve",
        "dns.resolver.query",
        "wget.download",
    }
)
DNS_CALLS = frozenset(
    {
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyname_ex",
        "dns.resolver.resolve",
        "dns.resolver.query",
    }
)
# Constructors of objects whose methods talk to the network.
NETOBJ_CONSTRUCTORS = frozenset(
    {
        "requests.Session",
        "requests.session",
        "httpx.Client",
        "httpx.AsyncClient",
        "aiohttp.ClientSession",
        "urllib3.PoolManager",
        "urllib3.HTTPConnectionPool",
        "urllib3.HTTPSConnectionPool",
        "http.client.HTTPConnection",
        "http.client.HTTPSConnection",
        "httplib.HTTPConnection",
        "httplib.HTTPSConnection",
        "ftplib.FTP",
        "ftplib.FTP_TLS",
        "smtplib.SMTP",
        "smtplib.SMTP_SSL",
        "telnetlib.Telnet",
        "dns.resolver.Resolver",
        "urllib.request.build_opener",
        "discord_webhook.DiscordWebhook",
    }
)
NETOBJ_METHODS = frozenset(
    {
        "get",
        "post",
        "put",
        "patch",
        "request",
        "urlopen",
        "open",
        "send",
        "sendmail",
        "send_message",
        "storbinary",
        "storlines",
        "resolve",
        "query",
        "execute",
        "write",
    }
)
SOCKET_CONSTRUCTORS = frozenset({"socket.socket", "socket.create_connection", "socket.fromfd"})
SOCKET_SEND_METHODS = frozenset({"send", "sendall", "sendto", "connect", "connect_ex"})
REQUEST_BUILDERS = frozenset({"urllib.request.Request", "urllib2.Request", "requests.Request"})
# Network modules whose import alone marks the capability.
NETWORK_MODULES = frozenset(
    {
        "socket",
        "urllib.request",
        "urllib2",
        "http.client",
        "httplib",
        "requests",
        "httpx",
        "aiohttp",
        "urllib3",
        "ftplib",
        "smtplib",
        "telnetlib",
        "dns.resolver",
        "websocket",
        "websockets",
        "paramiko",
        "pycurl",
    }
)

PROCESS_CALLS = frozenset(
    {
        "subprocess.Popen",
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "os.system",
        "os.popen",
        "os.popen2",
        "os.popen3",
        "os.startfile",
        "os.execl",
        "os.execle",
        "os.execlp",
        "os.execlpe",
        "os.execv",
        "os.execve",
        "os.execvp",
        "os.execvpe",
        "os.spawnl",
        "os.spawnle",
        "os.spawnlp",
        "os.spawnlpe",
        "os.spawnv",
        "os.spawnve",
        "os.spawnvp",
        "os.spawnvpe",
        "os.posix_spawn",
        "os.posix_spawnp",
        "pty.spawn",
        "commands.getoutput",
        "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell",
    }
)

ENV_ONE_CALLS = frozenset({"os.getenv", "os.environ.get", "os.environ.__getitem__", "os.getenvb"})
ENV_ALL_NAMES = frozenset({"os.environ", "os.environb", "posix.environ", "nt.environ"})
# Operating-system checks: `sys.platform`, `os.name`, `platform.system()` and kin.
OS_CHECK_NAMES = frozenset(
    {"sys.platform", "os.name", "platform.system", "platform.platform", "platform.release"}
    | {"platform.uname", "platform.win32_ver", "platform.mac_ver", "os.uname"}
)
HOSTINFO_CALLS = frozenset(
    {
        "socket.gethostname",
        "socket.getfqdn",
        "platform.node",
        "platform.uname",
        "os.uname",
        "getpass.getuser",
        "os.getlogin",
        "os.getcwd",
        "os.getcwdb",
        "pathlib.Path.home",
        "pathlib.Path.cwd",
        "requests.utils.get_netrc_auth",
    }
)
# Commands whose output is the whole environment, or a secret: capturing it is
# reading `os.environ` or a credential file by another road.
ENV_DUMP_COMMAND = re.compile(r"^\s*(env|printenv|set|export -p|declare -x)\s*$")
CRED_COMMAND = re.compile(
    r"\bgh auth token|\baws configure (export-credentials|get aws_secret_access_key)|"
    r"\baws sts get-session-token|"
    r"\bgcloud auth (application-default )?print-(access|identity)-token|"
    r"\baz account get-access-token|\bkubectl config view .*--raw|\bgit credential fill|"
    r"\bgit config .*(credential|token|password)|\bdocker-credential-\S+ (get|list)|"
    r"\bsecurity find-(generic|internet)-password|\b(cat|type|more) \S*"
    r"(\.aws[/\\]credentials|\.ssh[/\\]id_|\.netrc|\.pypirc|\.git-credentials|\.npmrc)"
)
HOSTINFO_ENV_NAMES = frozenset(
    {"USER", "USERNAME", "LOGNAME", "HOSTNAME", "COMPUTERNAME", "HOME", "USERPROFILE", "PWD"}
)
ENCODERS_PROPAGATE = frozenset(
    {
        "base64.b64encode",
        "base64.urlsafe_b64encode",
        "base64.b32encode",
        "base64.b16encode",
        "base64.encodebytes",
        "binascii.hexlify",
        "json.dumps",
        "zlib.compress",
        "str",
        "repr",
        "bytes",
        "dict",
        "list",
        "tuple",
        "urllib.parse.urlencode",
        "urllib.parse.quote",
        "urllib.parse.quote_plus",
    }
)
# Calls whose result is not data of the argument (predicates, sizes ...).
NON_PROPAGATING = frozenset(
    {
        "len",
        "bool",
        "isinstance",
        "hasattr",
        "callable",
        "int",
        "float",
        "id",
        "hash",
        "type",
        "os.path.exists",
        "os.path.isfile",
        "os.path.isdir",
        "print",
        "logging.info",
        "logging.debug",
        "logging.warning",
        "logging.error",
    }
)

SURVEILLANCE_CALLS = frozenset(
    {
        "pyperclip.paste",
        "PIL.ImageGrab.grab",
        "PIL.ImageGrab.grabclipboard",
        "ImageGrab.grab",
        "pyscreenshot.grab",
        "pyautogui.screenshot",
        "mss.mss",
        "pynput.keyboard.Listener",
        "keyboard.on_press",
        "keyboard.hook",
        "keyboard.record",
        "win32clipboard.GetClipboardData",
        "clipboard.paste",
    }
)

# Builtins that run, import or fetch code (`getattr(builtins, "ex" + "ec")`).
DANGEROUS_NAMES = frozenset({"exec", "eval", "compile", "__import__", "getattr", "open"})
DANGEROUS_ATTRS = frozenset(
    {
        "system",
        "popen",
        "Popen",
        "exec",
        "eval",
        "compile",
        "__import__",
        "b64decode",
        "decompress",
        "loads",
        "urlopen",
        "check_output",
        "call",
        "run",
        "spawn",
        "getattr",
        "execv",
        "startfile",
        "import_module",
        "socket",
        "connect",
        "environ",
    }
)
DANGEROUS_MODULE_NAMES = frozenset(
    {
        "os",
        "subprocess",
        "socket",
        "base64",
        "zlib",
        "marshal",
        "builtins",
        "__builtin__",
        "urllib",
        "urllib.request",
        "requests",
        "pty",
        "ctypes",
        "codecs",
        "sys",
        "importlib",
        "http.client",
        "platform",
        "getpass",
    }
)

SETUP_COMMAND_BASES = frozenset(
    {
        "install",
        "develop",
        "egg_info",
        "build_py",
        "bdist_egg",
        "sdist",
        "build",
        "build_ext",
        "bdist_wheel",
        "install_lib",
        "install_scripts",
        "install_egg_info",
        "easy_install",
        "Command",
        "orig.install",
        "_install",
        "_develop",
        "_egg_info",
    }
)

CI_ENV_NAMES = re.compile(
    r"^(CI|GITHUB_ACTIONS|GITHUB_TOKEN|GITLAB_CI|JENKINS_URL|JENKINS_HOME|TRAVIS|CIRCLECI|"
    r"BUILDKITE|TF_BUILD|TEAMCITY_VERSION|CODEBUILD_BUILD_ID|BITBUCKET_BUILD_NUMBER|"
    r"AWS_[A-Z_]+|AZURE_[A-Z_]+|GOOGLE_APPLICATION_CREDENTIALS|KUBERNETES_SERVICE_HOST)$"
)

# Credential stores. The first group is read by benign tools too (twine, boto,
# paramiko); the second is what stealers go after and little else touches.
CRED_PATTERN = re.compile(
    r"(\.ssh[/\\](id_|identity)|\.ssh[/\\]?$|\.aws[/\\](credentials|config)|\.pypirc|\.npmrc|"
    r"\.git-credentials|\.netrc|\.kube[/\\]config|\.docker[/\\]config\.json|gcloud[/\\]"
    r"(credentials|application_default|access_tokens)|\.azure[/\\]|/etc/shadow|\.vault-token|"
    # Shell histories and dotenv files: where pasted tokens and app secrets sit.
    r"\.(bash|zsh|sh)_history|(^|[/\\])\.env$)",
    re.IGNORECASE,
)
STEALER_PATTERN = re.compile(
    r"(Login Data|Web Data|[/\\]Cookies\b|Local State|Local Storage[/\\]leveldb|"
    r"discord(canary|ptb)?[/\\]|leveldb|\bwallet\.dat|Exodus[/\\]|Electrum[/\\]|atomic[/\\]Local|MetaMask|"
    r"nkbihfbeogaeaoehlefnkodbefgpgknn|Telegram Desktop[/\\]tdata|\btdata\b|Mozilla[/\\]Firefox|"
    r"Google[/\\]Chrome[/\\]User Data|BraveSoftware|key4\.db|logins\.json)",
    re.IGNORECASE,
)
BLOB = "literal"  # data that comes from a constant in the file
PERSIST_PATTERN = re.compile(
    r"(\.bashrc|\.bash_profile|\.zshrc|\.profile\b|\.zprofile|crontab|/etc/cron|"
    r"\.config[/\\]systemd[/\\]user|/etc/systemd/system|\.config[/\\]autostart|LaunchAgents|"
    r"LaunchDaemons|CurrentVersion[/\\]+Run|Start Menu[/\\]+Programs[/\\]+Startup|"
    r"schtasks|authorized_keys|/etc/rc\.local|sitecustomize\.py|usercustomize\.py)",
    re.IGNORECASE,
)
# How install-time code that refuses to install sends the user to another project.
INSTALL_REDIRECT = re.compile(
    r"\byou (?:probably |may have |might have )?meant\b|\bdid you mean\b"
    r"|\bthe (?:package|project) (?:named (?:for )?\S+|for \S+|you want) is\b"
    r"|\bis not the (?:package|project)\b",
    re.IGNORECASE,
)
# Hijacks that start a command with raised rights: the handlers that Windows'
# auto-elevating tools look up in the user's hive (a UAC bypass), the logon shell,
# and a debugger attached to a program's start. Unlike a start-up entry, no honest
# program writes these. An app's own URL scheme (`Classes\myapp\shell\open`) is not one.
HIJACK_PATH = "hijack-path"
HIJACK_PATTERN = re.compile(
    r"(?:ms-settings|mscfile|exefile)[/\\]+shell[/\\]+open|\\Winlogon\b"
    r"|Image File Execution Options",
    re.IGNORECASE,
)
# System files that list the host's accounts or name it: reading one is reconnaissance,
# and what is read is host information (sending it out is a beacon's report).
ACCOUNT_PATH = "account-path"
ACCOUNT_PATTERN = re.compile(r"^/etc/(?:passwd|group|hostname|machine-id)$")
METADATA_PATTERN = re.compile(r"169\.254\.169\.254|metadata\.google\.internal|fd00:ec2::254")

DOWNLOAD_COMMAND = re.compile(
    r"(\b(curl|wget)\b[^\n]*(\|\s*(ba|z|da)?sh\b|-o\b|-O\b|--output|https?://|\$\()|"
    r"powershell[^\n]*(-e(nc|ncodedcommand)?\s|iex\b|invoke-expression|downloadstring|"
    r"downloadfile|invoke-webrequest|\biwr\b|net\.webclient|-w(indowstyle)?\s+hidden)|"
    r"certutil[^\n]*-urlcache|bitsadmin[^\n]*/transfer|\bmshta\b|"
    r"base64\s+(-d|--decode)[^\n]*\|\s*(ba)?sh|\|\s*python[23]?\s+-c?|/dev/tcp/|"
    r"\bnc(at)?\b[^\n]*\s-[a-z]*e\s|rundll32[^\n]*javascript)",
    re.IGNORECASE,
)
# The part of DOWNLOAD_COMMAND that has no everyday use: a download run by a shell
# or an interpreter, hidden or encoded PowerShell, Windows binaries as downloaders.
STAGE_TWO_COMMAND = re.compile(
    r"(\b(curl|wget)\b[^\n]*\|\s*(sudo\s+)?((ba|z|da)?sh|python[0-9.]*|perl|ruby|node|php)\b|"
    # A download saved to a file that the same command line then starts.
    r"\b(curl|wget)\b[^\n]*?\s(-o|-O|--output(-document)?)[=\s]+[\"']?(?P<saved>[^\s\"'&|;]{3,})"
    r"[^\n]*?(&&|;|&|\|\|)\s*((start|sudo|call)\s+)?([\w./\\%:-]*\b((ba|z|da)?sh|py|pythonw?[0-9.]*|"
    r"perl|ruby|node|cmd|powershell|pwsh|wscript|cscript|mshta)(\.exe)?(\s+[-/][\w-]+(\s+[a-z]\w*)?)*\s+)?[\"']?(?P=saved)|"
    r"powershell[^\n]*(-e(nc|ncodedcommand)?\s|iex\b|invoke-expression|-w(indowstyle)?\s+hidden)|"
    r"certutil[^\n]*-urlcache|bitsadmin[^\n]*/transfer|\bmshta\b|"
    r"base64\s+(-d|--decode)[^\n]*\|\s*(ba)?sh|rundll32[^\n]*javascript)",
    re.IGNORECASE,
)
REVERSE_SHELL_TEXT = re.compile(r"/dev/tcp/|\bnc(at)?\b[^\n]*\s-[a-z]*e\s", re.IGNORECASE)
SHELL_NAMES = re.compile(r"(^|/)(ba|z|da|k|c|tc)?sh$|cmd(\.exe)?$|powershell", re.IGNORECASE)

# Destinations that legitimate packages do not talk to from install hooks.
SUSPICIOUS_HOST = hosts.SUSPICIOUS_HOST  # kinds of hosts: see `hosts`
DOMAIN_SUFFIX = re.compile(r"\.[a-z0-9-]+\.[a-z]{2,}\.?$|^\.?[a-z0-9-]+\.[a-z]{2,}\.?$", re.I)

PERSIST_COMMAND = re.compile(
    r"(\bcrontab\b|schtasks[^\n]*/create|systemctl\s+--user\s+enable|launchctl\s+load|"
    r"reg(\.exe)?\s+add[^\n]*\\Run\b|>>?\s*\S*\.(bash|zsh)rc\b|>>?\s*\S*authorized_keys)",
    re.IGNORECASE,
)

# Commands that switch the system's defences off: Windows Defender exclusions and
# switches, UAC, the firewall, shadow copies (the ransomware prelude), event logs.
DEFENSE_EVASION_COMMAND = re.compile(
    r"(\b(Add|Set)-MpPreference\b[^\n]*-(Exclusion(Path|Process|Extension|IpAddress)|"
    r"Disable\w+)|\bDisable(AntiSpyware|RealtimeMonitoring|BehaviorMonitoring)\b|"
    r"\bEnableLUA\b[^\n]*(-Value\s+0\b|/d\s+0\b)|"
    r"\bnetsh\s+(advfirewall\s+set\s+\w+\s+state\s+off|firewall\s+set\s+opmode\s+disable)|"
    r"\bvssadmin(\.exe)?\s+(delete|resize)\s+shadows|\bwmic\s+shadowcopy\s+delete|"
    r"\bwevtutil(\.exe)?\s+cl\b|\bbcdedit[^\n]*recoveryenabled\s+no)",
    re.IGNORECASE,
)

# Cheap prefilter. Plain substring tests are used because they are an order of
# magnitude faster than one big alternation regex, which costs more than
# `ast.parse` itself. Two tiers:
# - STRONG_TRIGGERS: dynamic-code sinks, obfuscation idioms and sensitive
#   strings. A file holding one is always walked.
# - NETWORK_WORDS / PROCESS_WORDS: ordinary capabilities. In library code they
#   only matter in combination (environment or host facts sent out, a socket
#   wired to a process), so a file is walked when one of them meets a
#   COMBINE_WORDS hit or another tier's word, or when it is a package
#   `__init__` (runs on import). Otherwise its capabilities come from
#   the words found (`prefilter.decide`) without parsing: the difference between walking 40 %
#   and about 10 % of the files of a typical wheel.
STRONG_TRIGGERS = (
    "__builtins__", "getattr(builtins", "builtins.__dict__", "vars(builtins", "builtins.exec",
    "builtins.eval", "builtins.compile", "__builtin__", "'exec'", '"exec"', "'eval'", '"eval"',
    "exec(", "execv", "execl", ".system(", "import system", "popen", "import pty", "pty.spawn",
    "from pty", ".ssh/", "/.ssh", "'.ssh", '".ssh', ".aws/", "/.aws", "'.aws", '".aws',
    "pypirc", "npmrc", "netrc", "shrc", "Login Data", "Local State", "leveldb", "wallet",
    "crontab", "systemd", "CurrentVersion", "schtasks", "authorized_keys", "sitecustomize",
    "usercustomize", "169.254", "pyperclip", "ImageGrab", "pynput", "winreg", "pyarmor",
    "marshal", "VirtualAlloc", "CreateThread", "PROT_EXEC", "RtlMoveMemory", "dup2", "/dev/tcp",
    # Defences switched off (see DEFENSE_EVASION_COMMAND).
    "MpPreference", "EnableLUA", "AntiSpyware", "RealtimeMonitoring", "vssadmin", "shadowcopy",
    "advfirewall", "wevtutil", "recoveryenabled",
)  # fmt: skip
# String concatenation builds hidden names (`getattr(os, "sy" + "stem")`), but
# maths and formatting code concatenates strings all day: only next to getattr.
CONCAT_WORDS = ("'+'", '"+"', "' + '", '" + "')
GETATTR_WORDS = ("getattr(",)
NETWORK_WORDS = (
    "socket", "requests", "urllib", "httpx", "aiohttp", "http.client", "httplib", "from http",
    "tplib", "telnet", "paramiko", "dns.", "websocket", "pycurl", "import_module",
)  # fmt: skip
PROCESS_WORDS = (
    "subprocess", "os.spawn", "spawnv", "spawnl", "os.exec", "runpy", "startfile",
    # Modules loaded from a file, programs started through the Windows API.
    "exec_module", "load_module", "sys.path.insert", "sys.path.append", "WinExec",
    "ShellExecute", "CreateProcess",
)  # fmt: skip
# Full-width and mathematical letters normalise (NFKC) to ASCII identifiers:
# `ｅｘｅｃ` is `exec` to Python. Always worth a walk.
UNICODE_STRONG = re.compile(r"[\uff01-\uff5e]|[\U0001d400-\U0001d7ff]")
# Latin next to Greek or Cyrillic: a look-alike identifier, or just maths in a
# docstring; walked only next to a capability word.
UNICODE_TRIGGER = re.compile(
    r"[a-zA-Z][\u0370-\u03ff\u0400-\u04ff]|[\u0370-\u03ff\u0400-\u04ff][a-zA-Z]"
)
# Whole-environment idioms and host facts: what probes and stealers send out.
# A single `os.environ.get("X")` next to an HTTP client is ordinary library code.
COMBINE_WORDS = (
    "environ)", "environ.copy", "environ.items", "environ.keys", "environ.values", "environ}",
    "environ,", "gethostname", "getuser", "getlogin", "uname", "platform.node", "getpass",
    "getfqdn", "curl", "wget", "powershell", "certutil", "bitsadmin", "mshta", "Invoke-",
    "'CI'", '"CI"', "GITHUB_", "GITLAB_CI", "JENKINS", "TRAVIS", "CIRCLECI", "BUILDKITE",
    "AWS_ACCESS", "AWS_SECRET", "KUBERNETES_", "COMPUTERNAME", "HOSTNAME",
    # Decoding next to a process or network call: a payload written out and run.
    "b64decode",
    # A dotenv file next to a network call: app secrets on their way out.
    "'.env'", '".env"', "/.env'", '/.env"',
)  # fmt: skip
ENV_WORDS = ("environ", "getenv")
PATH_HINT = re.compile(
    "|".join(
        p.pattern
        for p in (CRED_PATTERN, STEALER_PATTERN, PERSIST_PATTERN, HIJACK_PATTERN, METADATA_PATTERN)
    )
    + r"|\.\w{2,6}\s*$|^/etc/\w",
    re.IGNORECASE,
)


# Of PATH_HINT's alternatives, those a text can match with no `.`, `/`, `\\` or `:` in
# it (every other one spells a separator, a suffix or an address). `ast_labels` tests
# only these on such texts, four in five of a module's string constants: PATH_HINT on
# every constant cost a fifth of a scan. A test checks the list against PATH_HINT.
PATH_SEPARATORS = (".", "/", "\\", ":")
BARE_PATH_WORDS = (
    "login data", "web data", "local state", "leveldb", "metamask", "tdata", "bravesoftware",
    "nkbihfbeogaeaoehlefnkodbefgpgknn", "crontab", "launchagents", "launchdaemons", "schtasks",
    "authorized_keys", "image file execution options",
)  # fmt: skip


def needs_walk(source: str, *, imported: bool = False) -> bool:
    """True if *source* contains anything the `ast` rules could act on (see `prefilter`)."""
    from pycustoms.analyzers.code.prefilter import decide  # noqa: PLC0415 - import cycle

    return decide(source, imported=imported)[0]


# Words the persistence, keylogger, clipboard and cloud-credential rules act on
# that STRONG_TRIGGERS does not list (part of the strong tier in `prefilter`).
EXTRA_TRIGGERS = (
    "Start Menu", "\\Startup", "autostart", "LaunchAgents", "LaunchDaemons", ".bash_profile",
    ".zprofile", "/.profile", "'.profile", '".profile', "rc.local", "get_credentials",
    "GetAsyncKeyState", "SetWindowsHookEx", "GetClipboardData", "SetClipboard", "screenshot(",
    "printenv", "nslookup", "ms-settings", "mscfile", "exefile", "Winlogon",
    "Image File Execution",
    # Base64 of a zip or gzip archive: an embedded payload the walker can decode.
    "UEsDB", "H4sI",
    # `run = exec` hides the call's name, and so does a tuple of builtins (`r, s = exec, str`).
    "= exec\n", "= eval\n", "= exec\r", "= eval\r", "= exec,", "= eval,", ", exec\n", ", eval\n",
    ", exec,", ", eval,", ", exec\r", ", eval\r", "(exec,", "(eval,", "[exec,", "[eval,",
    # Credential files beyond .ssh/.aws/.pypirc/.npmrc/.netrc (see CRED_PATTERN).
    "git-credentials", ".kube/config", "'.kube'", '".kube"', "docker/config.json", "'.docker'",
    '".docker"', "application_default_credentials", "vault-token", "/etc/shadow", ".azure/",
    "'.azure'", '".azure"', "bash_history", "zsh_history", "/etc/passwd",
    # Where stolen data goes: chat webhooks and bots, catchers, tunnels, drops (see `hosts`).
    "api/webhooks", "api.telegram.org", "hooks.slack.com", "webhook.site", "oastify",
    "burpcollaborator", "interact.sh", ".oast.", "interactsh", "dnslog.cn", "ceye.io",
    "pipedream.net", "requestbin", "ngrok", "trycloudflare",
    "pastebin.com", "transfer.sh", "/attachments/", "pages.dev", "workers.dev", "onrender.com",
    "pythonanywhere", "duckdns", "anondns", "iplogger", "grabify",
    # Browser, chat and wallet stores beyond those above (see STEALER_PATTERN).
    "Cookies", "Web Data", "key4.db", "logins.json", "tdata", "Exodus", "Electrum", "MetaMask",
    "BraveSoftware",
)  # fmt: skip


# Commands that install-time code has no business running, by kind, with the severity
# of running one from `setup.py` or a build hook. Compilers, `git describe`, `uname -m`
# or `which gcc` are what builds do; these are what proofs of concept, beacons and
# droppers do. Each pattern matches a command at its start (or after ; && | or cmd /c).
_AT = r"(?:^|[;&|`(]\s*|\bcmd(?:\.exe)?\s+/[ck]\s+|\bsh\s+-c\s+['\"]?)"
INSTALL_COMMANDS: tuple[tuple[re.Pattern[str], str, int], ...] = (
    (re.compile(_AT + r"(?:net\s+user\b[^;&|\n]*\s/add\b|net\s+localgroup\s+administrators"
                r"|useradd|adduser|usermod\s+-aG)", re.I),
     "creates or promotes a user account", 4),
    (re.compile(_AT + r"(?:whoami|hostname|ipconfig|ifconfig|systeminfo|netstat|tasklist|"
                r"ps\s+-?aux|net\s+(?:user|view|config)|id|uname\s+-a|"
                r"cat\s+/etc/(?:passwd|shadow|hosts)|ls\s+(?:-\w+\s+)?/|dir)"
                r"(?:\s|$|[;&|>'\")])|" + _AT + r"(?:printenv|env|set)\s*(?:$|[>|])", re.I),
     "runs reconnaissance commands (who and where the user is)", 3),
    (re.compile(_AT + r"(?:calc|notepad|mspaint|xcalc|gnome-calculator|kcalc)(?:\.exe)?\b"
                r"|open\s+-a\s+calculator", re.I),
     "starts a desktop program (the proof-of-concept payload)", 4),
    (re.compile(_AT + r"(?:\S*python\S*\s+-m\s+)?pip[23]?(?:\.exe)?\s+"
                r"(?:install|uninstall|download)\b", re.I),
     "installs or removes packages while it is being installed (behind the resolver)", 3),
    (re.compile(_AT + r"(?:dig|nslookup|host|Resolve-DnsName)\s+\S", re.I),
     "runs a DNS lookup tool (a beacon that passes firewalls)", 4),
    (re.compile(_AT + r"start\s+(?:/\w+\s+)*\S*(?:\.exe|w\.exe|\.bat|\.cmd|\.vbs|\.ps1)?", re.I),
     "starts a program detached from the install", 3),
    (re.compile(r"\b(?:pwned|0wned|hacked|pwnd)\b", re.I),
     "announces itself as a compromise (the proof-of-concept payload)", 4),
    (re.compile(r"(?:touch|echo\b[^\n]*>{1,2})\s*['\"]?(?:/tmp|/var/tmp|%TEMP%|\$TMPDIR|~)", re.I),
     "writes a marker file (the proof-of-concept payload)", 3),
    (re.compile(_AT + r"(?:rundll32|regsvr32|mshta|wscript|cscript|bitsadmin|certutil)(?:\.exe)?\b",
                re.I),
     "runs a Windows system binary used to start payloads", 4),
)  # fmt: skip
