// Persistence: cron, systemd user units, Windows Run keys, Startup folder,
// scheduled tasks, macOS launch agents.

rule persistence_mechanism {
  meta:
    id = "code/persistence-marker"
    severity = "medium"
  strings:
    $cron_pipe = /crontab\s+-l[^\n]{0,200}\|\s*crontab\s+-/
    $cron_reboot = /@reboot\s+[^\n]{0,20}(\/|python|curl|wget|sh\b|nohup)/
    $cron_spool = "/var/spool/cron/"
    $systemctl_user = /systemctl["']?,?\s*["']?--user["']?,?\s*["']?(enable|daemon-reload)/
    $systemd_user_dir = /\.config[\/\\]{1,2}systemd[\/\\]{1,2}user\b/
    $run_key = /[Cc]urrent[Vv]ersion\\{1,2}[Rr]un(Once)?\b/
    $startup = /[Ss]tart [Mm]enu\\{1,2}[Pp]rograms\\{1,2}[Ss]tartup/
    $schtasks = /[Ss]ch[Tt]asks(\.exe)?\s+\/[Cc]reate/
    $launch_agents = /Library\/LaunchAgents\/[^\n]{0,80}\.plist/
  condition:
    any of them
}
