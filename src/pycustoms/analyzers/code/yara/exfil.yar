// Exfiltration and stage-two endpoints: webhooks, request catchers, tunnels,
// paste and file-drop sites, raw-IP URLs and the cloud metadata service.
//
// Meta keys read by yara_engine.py:
//   id        stable pycustoms rule id (several YARA rules may share one)
//   severity  severity in a plain module; the engine scales it by context
//   group     "exfil" or "secret": a file with both gets a combination finding
//   filter    optional post-match check done in Python ("public_ip")

rule messaging_webhook_with_token {
  meta:
    id = "code/webhook-exfil-endpoint"
    severity = "high"
    group = "exfil"
    filter = "live_token"
  strings:
    // A complete webhook or bot URL, secret included: ready to receive data.
    $discord = /[Dd]iscord(app)?\.com\/api\/(v[0-9]{1,2}\/)?webhooks\/[0-9]{17,20}\/[A-Za-z0-9_\-]{50,80}/
    $slack = /hooks\.slack\.com\/services\/T[A-Z0-9]{8,12}\/B[A-Z0-9]{8,12}\/[A-Za-z0-9]{20,28}/
    $telegram = /api\.telegram\.org\/bot[0-9]{8,11}:[A-Za-z0-9_\-]{30,40}/
  condition:
    any of them
}

private rule telegram_api_reference {
  strings:
    $api = "api.telegram.org"
  condition:
    $api
}

rule telegram_bot_token_with_api {
  meta:
    id = "code/webhook-exfil-endpoint"
    severity = "high"
    group = "exfil"
    filter = "live_token"
  strings:
    // A bot token as a literal in a file that calls the bot API: the URL is built
    // from pieces (`f"https://api.telegram.org/bot{self.token}/..."`), the chat is
    // the author's all the same.
    $token = /["'][0-9]{8,11}:AA[A-Za-z0-9_\-]{30,40}["']/
  condition:
    $token and telegram_api_reference
}

rule messaging_webhook_reference {
  meta:
    id = "code/webhook-api-reference"
    severity = "low"
    group = "exfil"
  strings:
    $discord = /[Dd]iscord(app)?\.com\/api\/(v[0-9]{1,2}\/)?webhooks/
    $slack = "hooks.slack.com/services"
    $telegram = "api.telegram.org/bot"
  condition:
    any of them and not messaging_webhook_with_token and not telegram_bot_token_with_api
}

rule oast_collaborator_domain {
  meta:
    id = "code/request-catcher-endpoint"
    severity = "high"
    group = "exfil"
  strings:
    // Out-of-band testing services: a package has no business calling them.
    $burp = "burpcollaborator.net"
    $oastify = "oastify.com"
    $oast = /\.oast\.(fun|pro|live|site|online|me)\b/
    $interactsh = /[a-z0-9]{16,}\.interact\.sh\b/
    $canary = "canarytokens.com"
    $dnslog = "dnslog.cn"
    $ceye = /[a-z0-9]{4,}\.ceye\.io/
    $bxss = "bxss.me"
  condition:
    any of them
}

rule request_bin_domain {
  meta:
    id = "code/request-catcher-endpoint"
    severity = "medium"
    group = "exfil"
  strings:
    // Request bins: also used, legitimately, in docs of webhook features.
    $pipedream = /\.m\.pipedream\.net/
    $requestbin = /requestbin\.(net|com|io)/
    $reqcatcher = "requestcatcher.com"
    $webhooksite = /webhook\.site\/[0-9a-f]{8}-/
    $beeceptor = /[a-z0-9\-]{3,}\.free\.beeceptor\.com/
    $hookbin = "hookb.in"
  condition:
    any of them and not oast_collaborator_domain
}

rule tunnel_host {
  meta:
    id = "code/tunnel-endpoint"
    severity = "medium"
    group = "exfil"
  strings:
    // A concrete tunnel address (sub-domain present), not the service's name.
    $ngrok = /[a-z0-9][a-z0-9\-]{5,}\.ngrok(-free)?\.(io|app|dev)/
    $ngrok_tcp = /[0-9]\.tcp\.([a-z]{2}\.)?ngrok\.io:[0-9]{2,5}/
    $cloudflare = /[a-z0-9][a-z0-9\-]{5,}\.trycloudflare\.com/
    $serveo = /[a-z0-9][a-z0-9\-]{3,}\.serveo(usercontent)?\.(net|com)/
    $localtunnel = /[a-z0-9][a-z0-9\-]{3,}\.loca\.lt\b/
    $pagekite = /[a-z0-9][a-z0-9\-]{3,}\.pagekite\.me/
    $lhr = /[a-z0-9]{8,}\.lhr\.life/
  condition:
    any of them
}

rule paste_or_file_drop_site {
  meta:
    id = "code/paste-site-endpoint"
    severity = "medium"
    group = "exfil"
  strings:
    $pastebin = /pastebin\.com\/(raw|dl)\/?[A-Za-z0-9]{0,12}/
    $pasteee = /paste\.ee\/[rd]\//
    $hastebin = /hastebin\.(com|skyra\.pw)\/(raw|documents)/
    $transfer = /:\/\/transfer\.sh\b/
    $anonfiles = /anonfiles?\.com/
    $fileio = /:\/\/file\.io\b/
    $gofile = /[a-z0-9]\.gofile\.io/
    $tempsh = /:\/\/temp\.sh\b/
    $nullpointer = /:\/\/0x0\.st\b/
    $catbox = /(files|litter)\.catbox\.moe/
    $rentry = /rentry\.(co|org)\/[a-z0-9]{3,}\/raw/
    $bashupload = "bashupload.com"
    // Paste APIs that take an upload (the drop side of a paste site).
    $pastebin_api = /pastebin\.com\/api\/api_(post|login)\.php/
    $paste_apis = /(dpaste\.(com|org)\/api|paste\.ee\/api|hastebin\.com\/documents|paste\.rs\/?["']|termbin\.com|sprunge\.us|ix\.io\/?["'])/
  condition:
    any of them
}

rule raw_ip_url_request {
  meta:
    id = "code/raw-ip-url"
    severity = "medium"
    group = "exfil"
    filter = "public_ip"
  strings:
    // A raw-IP URL handed to something that sends or fetches.
    $call = /(requests\.(post|get|put)|\.(post|put)\(|urlopen|urlretrieve|Request\(|curl\s|wget\s|Invoke-WebRequest|iwr\s|WebClient|fetch\()[^\n]{0,40}(https?|wss?|ftp|tcp):\/\/[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\b/
  condition:
    $call
}

rule raw_ip_url {
  meta:
    id = "code/raw-ip-url"
    severity = "low"
    group = "exfil"
    filter = "public_ip"
  strings:
    $url = /(https?|wss?|ftp|tcp):\/\/[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\b/
  condition:
    $url and not raw_ip_url_request
}

rule cloud_metadata_endpoint {
  meta:
    id = "code/cloud-metadata-endpoint"
    severity = "low"
    group = "secret"
  strings:
    $imds = "169.254.169.254"
    $imds6 = "fd00:ec2::254"
    $gce = "metadata.google.internal"
    $alibaba = "100.100.100.200/latest/meta-data"
  condition:
    any of them
}
