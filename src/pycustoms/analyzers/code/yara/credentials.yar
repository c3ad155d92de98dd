// Credential stores and stealer markers. A single path is weak evidence (tools
// read their own config); lists of many stores and stealer idioms are not.

rule credential_file_sweep {
  meta:
    id = "code/credential-file-sweep"
    severity = "medium"
    group = "secret"
  strings:
    $aws = /\.aws[\/\\]{1,2}credentials/
    $ssh = /\.ssh[\/\\]{1,2}id_(rsa|dsa|ecdsa|ed25519)\b/
    $gitcred = ".git-credentials"
    $pypirc = ".pypirc"
    $npmrc = ".npmrc"
    $netrc = ".netrc"
    $kube = /\.kube[\/\\]{1,2}config\b/
    $docker = /\.docker[\/\\]{1,2}config\.json/
    $gcloud = "application_default_credentials.json"
    $azure = /\.azure[\/\\]{1,2}(accessTokens\.json|msal_token_cache)/
    $shadow = "/etc/shadow"
    $vault = ".vault-token"
  condition:
    4 of them
}

rule credential_path_reference {
  meta:
    id = "code/credential-path"
    severity = "low"
    group = "secret"
  strings:
    $aws = /\.aws[\/\\]{1,2}credentials/
    $ssh = /\.ssh[\/\\]{1,2}id_(rsa|dsa|ecdsa|ed25519)\b/
    $gitcred = ".git-credentials"
    $pypirc = ".pypirc"
    $npmrc = ".npmrc"
    $kube = /\.kube[\/\\]{1,2}config\b/
    $docker = /\.docker[\/\\]{1,2}config\.json/
    $gcloud = "application_default_credentials.json"
    $azure = /\.azure[\/\\]{1,2}(accessTokens\.json|msal_token_cache)/
  condition:
    any of them and not credential_file_sweep
}

rule browser_secret_store {
  meta:
    id = "code/browser-credential-store"
    severity = "medium"
    group = "secret"
  strings:
    $login = "Login Data"
    $webdata = "Web Data"
    $ff_logins = "logins.json"
    $ff_key = "key4.db"
    $localstate = "Local State"
    $enckey = "encrypted_key"
    $dpapi = "CryptUnprotectData"
    $userdata = /User Data[\/\\]{1,2}Default/
  condition:
    ($localstate and $enckey) or
    (($login or $webdata) and ($localstate or $enckey or $dpapi or $userdata)) or
    ($ff_logins and $ff_key)
}

rule stealer_markers {
  meta:
    id = "code/stealer-markers"
    severity = "high"
    group = "secret"
  strings:
    // Discord token regexes as written in stealers' source, and the prefix of
    // the desktop client's encrypted token.
    $tok_re = "[\\w-]{24}\\.[\\w-]{6}\\.[\\w-]{2"
    $tok_re2 = "[\\w-]{24,26}\\.[\\w-]{6}\\.[\\w-]"
    $mfa_re = "mfa\\.[\\w-]{84}"
    $dq = "dQw4w9WgXcQ:"
    $leveldb = /Local Storage[\/\\]{1,2}leveldb/
    $discord_clients = /[Dd]iscord(canary|ptb|Canary|PTB)\b/
    $metamask = "nkbihfbeogaeaoehlefnkodbefgpgknn"
    $phantom = "bfnaelmomeimhlpmgjnjophhpkkoljpa"
    $coinbase = "hnfanknocfeofbddgcijnmhnfnkdnaad"
    $exodus = /[Ee]xodus[\/\\]{1,2}exodus\.wallet/
    $electrum = /[Ee]lectrum[\/\\]{1,2}wallets/
    $atomic = /[Aa]tomic[\/\\]{1,2}Local Storage/
    $tdata = /Telegram Desktop[\/\\]{1,2}tdata/
    $steal_fn = /([Gg]rab|[Ss]teal)_?([Pp]asswords|[Cc]ookies|[Tt]okens|[Ww]allets|[Dd]iscord)/
  condition:
    2 of them
}
