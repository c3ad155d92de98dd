"""Every declared setting with a flag: in its commands' `--help`, and the same value
whichever way it is given (flag, `PYCUSTOMS_*` variable, configuration file key).

The flags are generated from the `Field` declarations (`cli.common.add_field_option`);
this holds the CLI and the declarations together.
"""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from pycustoms.cli import build_parser
from pycustoms.config_keys import areas
from pycustoms.settings_base import Field, RawConfig, load_fields

# The commands that take each flag: a new flag on a Field must be added here.
COMMANDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "--index-url": (("audit",), ("check-name",), ("db", "update"), ("inspect",), ("provenance",)),
    "--offline": (("check-name",), ("db", "update"), ("inspect",)),
    "--data-dir": (("serve",), ("audit",), ("inspect",), ("db", "update"), ("token", "create")),
    "--database-url": (("serve",), ("audit",), ("db", "status"), ("incident",), ("rescan",)),
    "--host": (("serve",),),
    "--port": (("serve",),),
    "--upstream": (("serve",),),
    "--trusted-for-age": (("serve",),),
    "--broker-url": (("serve",), ("worker",)),
    "--concurrency": (("worker",),),
    "--visibility-timeout": (("worker",),),
    "--store-url": (("serve",),),
    "--cooldown": (("serve",), ("inspect",)),
    "--warn-score": (("scan",),),
    "--block-score": (("scan",),),
    "--fail-on": (("scan",), ("audit",), ("inspect",), ("check-name",), ("check-index",)),
    "--vuln-source": (("audit",),),
    "--osv-url": (("audit",),),
    "--severity-threshold": (("audit",),),
    "--source": (("db", "update"),),
    "--min-records": (("db", "update"),),
}

# For each flag: its words on the command line, the variable's text and the file's value.
SAMPLES: dict[str, tuple[list[str], str, Any]] = {
    "--index-url": (["--index-url", "http://127.0.0.1:9/simple/"], "http://127.0.0.1:9/simple/",
                    "http://127.0.0.1:9/simple/"),
    "--offline": (["--offline"], "yes", True),
    "--data-dir": (["--data-dir", "/srv/pycustoms"], "/srv/pycustoms", "/srv/pycustoms"),
    "--database-url": (["--database-url", "sqlite:///x.db"], "sqlite:///x.db", "sqlite:///x.db"),
    "--host": (["--host", "127.0.0.2"], "127.0.0.2", "127.0.0.2"),
    "--port": (["--port", "9001"], "9001", 9001),
    "--upstream": (["--upstream", "file:///srv/index"], "file:///srv/index", "file:///srv/index"),
    "--trusted-for-age": (["--trusted-for-age"], "true", True),
    "--broker-url": (["--broker-url", "redis://127.0.0.1:9/0"], "redis://127.0.0.1:9/0",
                     "redis://127.0.0.1:9/0"),
    "--concurrency": (["--concurrency", "3"], "3", 3),
    "--visibility-timeout": (["--visibility-timeout", "90"], "90", 90),
    "--store-url": (["--store-url", "s3://bucket/prefix"], "s3://bucket/prefix",
                    "s3://bucket/prefix"),
    "--cooldown": (["--cooldown", "P3D"], "P3D", "P3D"),
    "--warn-score": (["--warn-score", "20"], "20", 20),
    "--block-score": (["--block-score", "70"], "70", 70),
    "--fail-on": (["--fail-on", "warn"], "warn", "warn"),
    "--vuln-source": (["--vuln-source", "osv", "--vuln-source", "offline"], "osv,offline",
                      ["osv", "offline"]),
    "--osv-url": (["--osv-url", "http://127.0.0.1:9/"], "http://127.0.0.1:9/",
                  "http://127.0.0.1:9/"),
    "--severity-threshold": (["--severity-threshold", "high"], "high", "high"),
    "--source": (["--source", "osv", "--source", "/srv/a.zip"], "osv,/srv/a.zip",
                 ["osv", "/srv/a.zip"]),
    "--min-records": (["--min-records", "5"], "5", 5),
}  # fmt: skip


def _flagged() -> list[tuple[type, tuple[Field, ...], Field]]:
    return [(cls, specs, f) for _, cls, specs in areas() for f in specs if f.flag]


def _subparser(command: tuple[str, ...]) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = build_parser(command[0])
    for word in command:
        [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        parser = sub.choices[word]
    return parser


def _action(parser: argparse.ArgumentParser, flag: str) -> argparse.Action:
    [action] = [a for a in parser._actions if flag in a.option_strings]
    return action


def _required_positionals(parser: argparse.ArgumentParser) -> list[str]:
    """A word for each positional argument the command requires (`NAME`, `TARGET ...`)."""
    return [
        "demo"
        for a in parser._actions
        if not a.option_strings and a.required and not isinstance(a, argparse._SubParsersAction)
    ]


def _nested(key: str, value: Any) -> dict[str, Any]:
    table: dict[str, Any] = {}
    node = table
    *parents, leaf = key.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value
    return table


def test_every_flag_is_known_here() -> None:
    flags = [f.flag for _, _, f in _flagged()]
    assert len(flags) == len(set(flags)), "two settings declare the same flag"
    assert set(flags) == set(COMMANDS) == set(SAMPLES)


@pytest.mark.parametrize("flag", sorted(COMMANDS))
def test_flag_is_in_its_commands_help(flag: str) -> None:
    [spec] = [f for _, _, f in _flagged() if f.flag == flag]
    for command in COMMANDS[flag]:
        parser = _subparser(command)
        text = " ".join(parser.format_help().split())
        assert flag in text, command
        action = _action(parser, flag)
        assert action.help is not None
        assert action.help.startswith(spec.help), (command, action.help)
        assert action.help.endswith(f"[env: {spec.env}]"), (command, action.help)
        assert action.default is None, "a default would hide the file and the variable"


@pytest.mark.parametrize("flag", sorted(COMMANDS))
def test_flag_variable_and_file_key_give_one_value(flag: str) -> None:
    [(cls, specs, spec)] = [(c, s, f) for c, s, f in _flagged() if f.flag == flag]
    argv, variable, in_file = SAMPLES[flag]
    base = cls()
    for command in COMMANDS[flag]:
        parser = _subparser(command)
        args = parser.parse_args([*argv, *_required_positionals(parser)])
        given = getattr(args, _action(parser, flag).dest)
        from_flag = load_fields(base, specs, RawConfig(), {}, {spec.attr: given})
        from_env = load_fields(base, specs, RawConfig(), {spec.env: variable}, {})
        from_file = load_fields(base, specs, RawConfig(_nested(spec.key, in_file)), {}, {})
        value = getattr(from_flag, spec.attr)
        assert value != getattr(base, spec.attr), "the sample must change the default"
        assert getattr(from_env, spec.attr) == value, command
        assert getattr(from_file, spec.attr) == value, command
