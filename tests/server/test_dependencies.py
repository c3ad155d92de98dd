"""`dependencies`: what an installer will ask for next, from a wheel's METADATA."""

from __future__ import annotations

from pycustoms.server.clientenv import ClientEnv
from pycustoms.server.dependencies import MAX_FOLLOWED, dependencies

METADATA = """Metadata-Version: 2.1
Name: demo
Version: 1.0
Requires-Dist: Charset_Normalizer (<4,>=2)
Requires-Dist: idna<4,>=2.5
Requires-Dist: PySocks!=1.5.7,>=1.5.6; extra == 'socks'
Requires-Dist: colorama; sys_platform == "win32"
Requires-Dist: tomli; python_version < "3.11"
Requires-Dist: not a requirement !!
Requires-Dist: idna>=3

Long description.
"""


def test_markers_are_evaluated_for_the_installers_environment() -> None:
    linux = ClientEnv((3, 11), "cp", "linux", "x86_64")
    assert dependencies(METADATA, linux) == ["charset-normalizer", "idna"]
    windows = ClientEnv((3, 10), "cp", "windows", "amd64")
    assert dependencies(METADATA, windows) == ["charset-normalizer", "idna", "colorama", "tomli"]


def test_fan_out_is_capped() -> None:
    many = "".join(f"Requires-Dist: dep{i}\n" for i in range(MAX_FOLLOWED + 10))
    text = f"Metadata-Version: 2.1\nName: x\nVersion: 1\n{many}"
    assert len(dependencies(text, ClientEnv((3, 12), "cp", "linux", "x86_64"))) == MAX_FOLLOWED
