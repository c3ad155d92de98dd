// Stage-two download and execution: PowerShell cradles, Windows LOLBins,
// shell droppers, and reverse shells in any language.

rule powershell_download_cradle {
  meta:
    id = "code/powershell-download-cradle"
    severity = "high"
  strings:
    $webclient = /[Nn]et\.[Ww]eb[Cc]lient\)?\s*\.\s*[Dd]ownload([Ss]tring|[Dd]ata|[Ff]ile)\s*\(/
    $iex_new = /([Ii][Ee][Xx]|[Ii]nvoke-[Ee]xpression)\s*\(\s*\(?\s*[Nn]ew-[Oo]bject\s/
    $tcpclient = /[Nn]ew-[Oo]bject\s+([Ss]ystem\.)?[Nn]et\.[Ss]ockets\.T[Cc][Pp][Cc]lient/
    // IEX (iwr ...) / iex(irm ...): the download evaluated in place.
    $iex_of_fetch = /([Ii][Ee][Xx]|[Ii]nvoke-[Ee]xpression)\s*\(\s*\(?\s*([Ii]wr|[Ii]rm|[Ii]nvoke-[Ww]eb[Rr]equest|[Ii]nvoke-[Rr]est[Mm]ethod)\s/
    // iwr | iex run in a hidden window, or fetched from a raw IP: installers do neither.
    $hidden_pipe = /[Pp]ower[Ss]hell(\.exe)?[^\n]{0,120}\s[\-\/]([Ww]|[Ww]in|[Ww]indow|[Ww]indow[Ss]tyle)\s+[Hh](idden)?\b[^\n]{0,200}([Ii]wr |[Ii]rm |[Ii]nvoke-[Ww]eb[Rr]equest|[Ii]nvoke-[Rr]est[Mm]ethod)[^\n|]{1,300}\|\s*([Ii][Ee][Xx]|[Ii]nvoke-[Ee]xpression)\b/
    $ip_pipe = /([Ii]wr|[Ii]rm|[Ii]nvoke-[Ww]eb[Rr]equest|[Ii]nvoke-[Rr]est[Mm]ethod)\s+(-[Uu]ri\s+)?["']?https?:\/\/[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}[^\n|]{0,300}\|\s*([Ii][Ee][Xx]|[Ii]nvoke-[Ee]xpression)\b/
  condition:
    any of them
}

rule powershell_hidden_or_encoded {
  meta:
    id = "code/powershell-hidden-encoded"
    severity = "high"
  strings:
    $enc = /([Pp]ower[Ss]hell|POWERSHELL)(\.exe)?[^\n]{0,120}\s[\-\/]([Ee]|[Ee][Cc]|[Ee]n|[Ee]nc|[Ee]ncoded[Cc]ommand)\s+["']?[A-Za-z0-9+\/]{40}/
    $hidden = /([Pp]ower[Ss]hell|POWERSHELL)(\.exe)?[^\n]{0,120}\s[\-\/]([Ww]|[Ww]in|[Ww]indow|[Ww]indow[Ss]tyle)\s+[Hh](idden)?\b/
    // The same flags as separate argv items: ["powershell", "-WindowStyle", "Hidden", ...].
    $enc_argv = /([Pp]ower[Ss]hell|POWERSHELL|pwsh)(\.exe)?["'][^\n]{0,160}["'][\-\/]([Ee]|[Ee][Cc]|[Ee]n|[Ee]nc|[Ee]ncoded[Cc]ommand)["']\s*,\s*["']?[A-Za-z0-9+\/]{40}/
    $hidden_argv = /([Pp]ower[Ss]hell|POWERSHELL|pwsh)(\.exe)?["'][^\n]{0,160}["'][\-\/]([Ww]|[Ww]in|[Ww]indow|[Ww]indow[Ss]tyle)["']\s*,\s*["'][Hh](idden)?["']/
  condition:
    any of them
}

rule windows_lolbin_download {
  meta:
    id = "code/lolbin-download"
    severity = "high"
  strings:
    $certutil = /[Cc]ert[Uu]til(\.exe)?\s[^\n]{0,40}-url[Cc]ache/
    $bitsadmin = /[Bb]its[Aa]dmin(\.exe)?\s+\/[Tt]ransfer/
    $mshta = /[Mm]shta(\.exe)?\s+["']?(https?|vbscript|javascript):/
    $regsvr = /[Rr]egsvr32(\.exe)?\s[^\n]{0,60}\/i:https?:/
    $rundll = /[Rr]undll32(\.exe)?\s+javascript:/
  condition:
    any of them
}

rule shell_download_execute {
  meta:
    id = "code/shell-download-exec"
    severity = "medium"
  strings:
    $curl_pipe = /curl\s[^\n|;]{1,300}\|\s*(sudo\s+)?(ba|z|da)?sh\b/
    $wget_pipe = /wget\s[^\n|;]{1,300}\|\s*(sudo\s+)?(ba|z|da)?sh\b/
    $dl_chmod = /(curl|wget)\s[^\n]{1,300}(&&|;)\s*chmod\s+(\+x|[0-7]?7[0-7][0-7])\s/
    // The PowerShell twin of curl | sh, as official installers also document it.
    $ps_pipe_iex = /([Ii]rm |[Ii]wr |[Ii]nvoke-[Ww]eb[Rr]equest|[Ii]nvoke-[Rr]est[Mm]ethod)[^\n|]{1,300}\|\s*([Ii][Ee][Xx]|[Ii]nvoke-[Ee]xpression)\b/
    $chmod_tmp = /chmod\s+(\+x|[0-7]?7[0-7][0-7])\s+\/(tmp|dev\/shm|var\/tmp)\//
  condition:
    any of them
}

rule reverse_shell {
  meta:
    id = "code/reverse-shell-command"
    severity = "high"
  strings:
    $devtcp = /\/dev\/(tcp|udp)\/[0-9a-zA-Z.\-{}%$]{3,}\/[0-9{$%]/
    $nc_e = /(nc|ncat|netcat)(\.exe|\.traditional|\.openbsd)? [^\n|;\[]{0,60}-e (\/bin\/(ba|z)?sh|cmd(\.exe)?)\b/
    $sh_i_pipe = /\|\s*\/bin\/(ba)?sh\s+-i\s+2>&1\s*\|/
    $mkfifo = /mkfifo\s+\/tmp\/[a-z0-9]{1,10}\s*;\s*(cat|nc)\s/
    $pty = /pty\.spawn\(\s*["'](\/bin\/)?(ba|z)?sh["']\s*\)/
    $socat = /socat\s[^\n]{0,80}exec:["']?(\/bin\/)?(ba|z)?sh/
  condition:
    any of them
}
