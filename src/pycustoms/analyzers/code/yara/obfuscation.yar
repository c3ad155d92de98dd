// Output of Python obfuscators and packers, and encoded payloads fed to exec.

rule pyarmor_runtime {
  meta:
    id = "code/pyarmor-obfuscated"
    severity = "medium"
  strings:
    $enter = "__pyarmor__"
    $enter2 = "__pyarmor_enter"
    $runtime = /from\s+\.?pyarmor_runtime[_0-9]*\s+import\s+__pyarmor__/
    $pytransform = /from\s+\.?pytransform\s+import\s+pyarmor/
  condition:
    any of them
}

rule obfuscator_prologue {
  meta:
    id = "code/obfuscator-prologue"
    severity = "high"
  strings:
    $lambda_import = /_+\s*=\s*lambda\s+_+\s*:\s*__import__\(\s*["'](zlib|base64|marshal|lzma|bz2)["']\)/
    $exec_call = /exec\(\s*\(\s*_+\s*\)\s*\(\s*b["']/
    $chain = /__import__\(\s*["'](zlib|marshal|lzma|bz2)["']\s*\)\.(decompress|loads)\(\s*__import__\(\s*["'](base64|zlib|binascii|codecs)["']\s*\)/
    $marshal_exec = /exec\(\s*(__import__\(\s*["']marshal["']\s*\)|marshal)\.loads\(/
    $pyobfuscate = "pyobfuscate.com"
  condition:
    any of them
}

rule exec_encoded_blob {
  meta:
    id = "code/exec-encoded-blob"
    severity = "high"
  strings:
    $blob = /(exec|eval)\s*\([^\n]{0,120}(b64decode|b85decode|b32decode|a85decode|unhexlify|fromhex|decompress)\(\s*b?["'][A-Za-z0-9+\/=]{400}/
  condition:
    $blob
}
