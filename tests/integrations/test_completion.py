"""`pycustoms completion`: the scripts complete what the parser accepts, in each shell.

The expected completions come from the argparse parsers that `pycustoms` itself
builds for each command (`build_parser(name)`), not from the generator's walk.
Each case is run in the real shell: bash calls the completion function with
COMP_WORDS set; fish answers `complete -C`; zsh loads the script as compinit
would and calls it with the completion system's builtins replaced by stubs that
print what they were given (zsh cannot complete without a terminal).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pycustoms.cli import SUBCOMMANDS, build_parser, main
from pycustoms.cli.completion import SHELLS, script


@dataclass(frozen=True)
class Case:
    """Words typed before the cursor (after `pycustoms`), the word at it, what must be offered."""

    before: tuple[str, ...]
    current: str
    expected: frozenset[str]


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _tree() -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every (path, parser): `pycustoms`, each command as it runs, and their subcommands."""
    out: list[tuple[tuple[str, ...], argparse.ArgumentParser]] = [((), build_parser())]

    def below(path: tuple[str, ...], parser: argparse.ArgumentParser) -> None:
        out.append((path, parser))
        for name, child in _subparsers(parser).items():
            below((*path, name), child)

    for name in SUBCOMMANDS:
        below((name,), _subparsers(build_parser(name))[name])
    return out


def _cases() -> list[Case]:
    cases: list[Case] = []
    for path, parser in _tree():
        flags = {f for a in parser._actions for f in a.option_strings}
        assert "--help" in flags
        cases.append(Case(path, "-", frozenset(flags)))
        subs = _subparsers(parser)
        if subs:
            cases.append(Case(path, "", frozenset(subs)))
        for action in parser._actions:
            if action.option_strings and action.choices and action.nargs != 0:
                choices = frozenset(str(c) for c in action.choices)
                cases.append(Case((*path, action.option_strings[-1]), "", choices))
            elif not action.option_strings and action.choices and not subs:
                cases.append(Case(path, "", frozenset(str(c) for c in action.choices)))
    # An option's value is skipped, whatever it looks like; a top-level flag before the command.
    cases.append(
        Case(("--version", "token", "create", "--data-dir", "token"), "--r", frozenset({"--role"}))
    )
    cases.append(Case(("audit", "--config", "scan"), "--fix", frozenset({"--fix-hashes"})))
    return cases


CASES = _cases()


def test_cases_cover_every_command_and_choice() -> None:
    paths = {c.before for c in CASES if c.current == "-"}
    assert {p[0] for p in paths if p} == set(SUBCOMMANDS)
    assert ("token", "create") in paths
    assert ("db", "import-osv") in paths
    # Some options with choices and one positional with choices are among the cases.
    assert Case(("scan", "--format"), "", frozenset({"human", "json", "sarif"})) in CASES
    assert Case(("completion",), "", frozenset(SHELLS)) in CASES


def test_command_prints_each_script(capsys: pytest.CaptureFixture[str]) -> None:
    for shell in SHELLS:
        assert main(["completion", shell]) == 0
        assert capsys.readouterr().out == script(shell)
    with pytest.raises(SystemExit) as exc:
        main(["completion", "tcsh"])
    assert exc.value.code == 2
    assert "invalid choice: 'tcsh'" in capsys.readouterr().err


def _run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False, **kwargs)


def _shell(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (Debian package `{name}`)")
    return found


def _answers(lines: str) -> list[frozenset[str]]:
    return [frozenset(json.loads(line)) for line in lines.splitlines() if line.startswith("[")]


def _compare(answers: list[frozenset[str]], *, prefix_filtered: bool) -> None:
    assert len(answers) == len(CASES)
    for case, got in zip(CASES, answers, strict=True):
        wanted = case.expected
        if prefix_filtered:
            wanted = frozenset(w for w in wanted if w.startswith(case.current))
        assert got == wanted, f"pycustoms {' '.join(case.before)} {case.current!r}"


def _words(case: Case) -> str:
    return " ".join(f"'{w}'" for w in ("pycustoms", *case.before, case.current))


def test_bash_completes_every_command_flag_and_choice(tmp_path: Path) -> None:
    bash = _shell("bash")
    target = tmp_path / "pycustoms.bash"
    target.write_text(script("bash"), encoding="utf-8")
    assert _run([bash, "-n", str(target)]).returncode == 0
    # JSON arrays, one per case, built by bash itself (no name needs escaping).
    lines = [
        f"source '{target}'",
        "complete -p pycustoms",
        't() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=(); _pycustoms;'
        ' local IFS=,; printf "[%s]\\n" "$(printf "\\"%s\\"," "${COMPREPLY[@]}" | sed "s/,$//")"; }',
        *(f"t {_words(c)}" for c in CASES),
    ]
    proc = _run([bash, "--norc", "--noprofile", "-c", "\n".join(lines)], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("complete -F _pycustoms pycustoms")
    _compare(_answers(proc.stdout.replace('[""]', "[]")), prefix_filtered=True)


def test_zsh_script_loads_and_completes(tmp_path: Path) -> None:
    zsh = _shell("zsh")
    (tmp_path / "_pycustoms").write_text(script("zsh"), encoding="utf-8")
    assert _run([zsh, "-n", str(tmp_path / "_pycustoms")]).returncode == 0
    # As installed: a file `_pycustoms` on fpath, found by compinit through `#compdef`.
    found = _run(
        [zsh, "-f", "-c", f"fpath=({tmp_path} $fpath); autoload -U compinit; "
         "compinit -u -D; print -r -- $_comps[pycustoms]"],
        cwd=tmp_path,
    )  # fmt: skip
    assert found.stdout.strip() == "_pycustoms", found.stderr
    stubs = [
        "compdef() { : }",
        # What compsys would be asked to offer (it filters by prefix itself).
        "_describe() { local n=${@[-1]}; local -a items; items=(${(P)n}); "
        'print -r -- "[${(j:,:)${(@)${(@)items%%:*}/(#m)*/\\"$MATCH\\"}}]" }',
        'compadd() { shift; local -a a; a=("$@"); print -r -- "[${(j:,:)${(@)a/(#m)*/\\"$MATCH\\"}}]" }',
        "_files() { print -r -- '[]' }",
        "setopt extendedglob",
        f"source {tmp_path / '_pycustoms'}",
        "t() { words=(\"$@\"); CURRENT=$#words; _pycustoms || print -r -- '[]' }",
        *(f"t {_words(c)}" for c in CASES),
    ]
    proc = _run([zsh, "-f", "-c", "\n".join(stubs)], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    answers = _answers(proc.stdout)
    # zsh is offered every item and filters by prefix itself.
    filtered = [
        frozenset(a for a in got if a.startswith(c.current))
        for c, got in zip(CASES, answers, strict=True)
    ]
    _compare(filtered, prefix_filtered=True)


def test_fish_script_completes(tmp_path: Path) -> None:
    fish = _shell("fish")
    target = tmp_path / "pycustoms.fish"
    target.write_text(script("fish"), encoding="utf-8")
    assert _run([fish, "--no-execute", str(target)]).returncode == 0
    lines = [f"source '{target}'"]
    for case in CASES:
        line = " ".join(("pycustoms", *case.before, case.current))
        lines.append(
            f"set -l got (complete -C '{line}' | string replace -r '\\t.*' '' | string escape --style=script)"
            "; echo '['(string join ',' -- '\"'$got'\"')']'"
        )
    proc = _run([fish, "--no-config", "-c", "\n".join(lines)], cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    _compare(_answers(proc.stdout.replace('[""]', "[]")), prefix_filtered=True)
