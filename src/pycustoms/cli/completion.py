"""`pycustoms completion {bash,zsh,fish}`: shell completion generated from the parser.

The script is written from the same argparse parser that `pycustoms` runs, so
every subcommand, flag and choice it completes is one the command accepts. The
three scripts share one algorithm: walk the words typed so far, skipping each
option and, when the option takes a value, the word after it; a word that names
a subcommand of the path so far extends the path. What is offered then depends
on that path: its subcommands, its options, the choices of the option whose
value is being typed, or file names.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pycustoms import __version__
from pycustoms.cli.common import EXIT_CLEAN, add_verbosity_options

SHELLS = ("bash", "zsh", "fish")
# Metavars and destinations of options whose value is a file or directory.
_PATH_METAVARS = frozenset({"FILE", "PATH", "DIR", "TARGET"})
_PATH_DESTS = ("_dir", "_file", "config", "output", "path")


@dataclass(frozen=True, slots=True)
class Option:
    """One option of a command: its flags, and what its value may be."""

    flags: tuple[str, ...]
    help: str
    takes_value: bool
    choices: tuple[str, ...] = ()
    paths: bool = False


@dataclass(frozen=True, slots=True)
class Command:
    """One parser of the tree: `()` is `pycustoms` itself, `("token", "create")` a leaf."""

    path: tuple[str, ...]
    options: tuple[Option, ...]
    subcommands: tuple[tuple[str, str], ...]
    # Choices of its positional arguments; without any, positionals complete as files.
    positional_choices: tuple[str, ...]
    files: bool

    @property
    def key(self) -> str:
        """The path as the scripts spell it: words joined by one space ('' at the top)."""
        return " ".join(self.path)

    def value_options(self) -> list[str]:
        """Every flag of this command that takes a value."""
        return [flag for o in self.options if o.takes_value for flag in o.flags]


def register(subparsers: Any) -> None:
    """Add the `completion` subcommand."""
    parser = subparsers.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or fish)",
        description="Print the completion script for SHELL on stdout; docs/integrations.md "
        "says where to put it. Exit 0, or 2 for an unknown shell.",
    )
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    add_verbosity_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Print the script for `args.shell`."""
    print(script(args.shell), end="")
    return EXIT_CLEAN


def script(shell: str) -> str:
    """The completion script of *shell* for the full `pycustoms` parser."""
    commands = list(walk(full_parser()))
    return _WRITERS[shell](commands)


def full_parser() -> argparse.ArgumentParser:
    """`pycustoms`' parser with every subcommand's options registered.

    `build_parser` registers only the command being run (the others stay
    unimported); here each command's own parser is taken from a build for it.
    """
    from pycustoms.cli import SUBCOMMANDS, build_parser  # noqa: PLC0415 - cli imports this module

    top = build_parser()
    commands = _subparsers(top)
    assert commands is not None
    for name in SUBCOMMANDS:
        built = _subparsers(build_parser(name))
        assert built is not None
        commands.choices[name] = built.choices[name]
    return top


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction[Any] | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    return None


def _option(action: argparse.Action) -> Option:
    takes_value = action.nargs != 0
    metavar = action.metavar if isinstance(action.metavar, str) else ""
    paths = takes_value and (
        action.type is Path or metavar in _PATH_METAVARS or action.dest.endswith(_PATH_DESTS)
    )
    choices = tuple(str(c) for c in action.choices) if action.choices else ()
    return Option(tuple(action.option_strings), action.help or "", takes_value, choices, paths)


def walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[Command]:
    """Every command of the tree below *parser*, parents before children."""
    options: list[Option] = []
    subcommands: list[tuple[str, str]] = []
    children: list[tuple[str, argparse.ArgumentParser]] = []
    choices: list[str] = []
    files = False
    for action in parser._actions:
        if action.help == argparse.SUPPRESS:
            continue
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, child in action.choices.items():
                subcommands.append((name, helps.get(name, "")))
                children.append((name, child))
        elif action.option_strings:
            options.append(_option(action))
        elif action.choices:
            choices += [str(c) for c in action.choices]
        else:
            files = True
    yield Command(path, tuple(options), tuple(subcommands), tuple(choices), files)
    for name, child in children:
        yield from walk(child, (*path, name))


# -- quoting -------------------------------------------------------------------------------


def _sh(text: str) -> str:
    """*text* as one single-quoted word of bash or zsh."""
    return "'" + text.replace("'", "'\\''") + "'"


def _fish(text: str) -> str:
    """*text* as one single-quoted word of fish (which escapes only \\ and ')."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# -- bash ----------------------------------------------------------------------------------


def _bash(commands: list[Command]) -> str:
    spec: list[str] = []
    values: list[str] = []
    for c in commands:
        flags = [f for o in c.options for f in o.flags]
        spec.append(
            f"        {_sh(c.key)}) subs={_sh(' '.join(n for n, _ in c.subcommands))}; "
            f"opts={_sh(' '.join(flags))}; vals={_sh(' '.join(c.value_options()))}; "
            f"args={_sh(' '.join(c.positional_choices))}; files={int(c.files)} ;;"
        )
        for o in c.options:
            if o.choices or o.paths:
                words = " ".join(o.choices)
                pattern = "|".join(_sh(f"{c.key} {flag}".strip()) for flag in o.flags)
                action = "_pycustoms_files" if o.paths else f"_pycustoms_words {_sh(words)}"
                values.append(f"        {pattern}) {action} ;;")
    return _BASH.format(
        version=__version__, spec="\n".join(spec), values="\n".join(values) or "        *) ;;"
    )


_BASH = """\
# bash completion for pycustoms {version}; generated by `pycustoms completion bash`.
_pycustoms_spec() {{
    subs='' opts='' vals='' args='' files=0
    case "$1" in
{spec}
    esac
}}

_pycustoms_words() {{ mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur"); }}
_pycustoms_files() {{
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}}

_pycustoms() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="" cmdpath="" word i
    local subs opts vals args files
    # The words before the cursor: options (and the values of those that take one) are
    # skipped, a subcommand of the path so far extends it.
    for (( i = 1; i < COMP_CWORD; i++ )); do
        word="${{COMP_WORDS[i]}}"
        _pycustoms_spec "$cmdpath"
        if [[ "$word" == -* ]]; then
            if [[ "$word" != *=* && " $vals " == *" $word "* ]]; then (( i++ )); fi
        elif [[ " $subs " == *" $word "* ]]; then
            cmdpath="${{cmdpath:+$cmdpath }}$word"
        fi
    done
    _pycustoms_spec "$cmdpath"
    (( COMP_CWORD > 1 )) && prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    if [[ "$prev" == "=" && COMP_CWORD -gt 2 ]]; then prev="${{COMP_WORDS[COMP_CWORD-2]}}"; fi
    if [[ -n "$prev" && " $vals " == *" $prev "* ]]; then
        COMPREPLY=()
        case "${{cmdpath:+$cmdpath }}$prev" in
{values}
        esac
        return 0
    fi
    if [[ "$cur" == -* ]]; then
        _pycustoms_words "$opts"
    elif [[ -n "$subs" ]]; then
        _pycustoms_words "$subs"
    elif [[ -n "$args" ]]; then
        _pycustoms_words "$args"
    elif (( files )); then
        _pycustoms_files
    else
        COMPREPLY=()
    fi
    return 0
}}

complete -F _pycustoms pycustoms
"""


# -- zsh -----------------------------------------------------------------------------------


def _zsh_item(name: str, text: str) -> str:
    return _sh(name.replace(":", "\\:") + ":" + _one_line(text))


def _zsh(commands: list[Command]) -> str:
    spec: list[str] = []
    values: list[str] = []
    for c in commands:
        subs = " ".join(_zsh_item(n, h) for n, h in c.subcommands)
        opts = " ".join(_zsh_item(f, o.help) for o in c.options for f in o.flags)
        vals = " ".join(_sh(v) for v in c.value_options())
        args = " ".join(_sh(a) for a in c.positional_choices)
        spec.append(
            f"    {_sh(c.key)}) subs=({subs}); opts=({opts}); vals=({vals}); "
            f"args=({args}); files={int(c.files)} ;;"
        )
        for o in c.options:
            if o.choices or o.paths:
                pattern = "|".join(_sh(f"{c.key} {flag}".strip()) for flag in o.flags)
                action = "_files" if o.paths else "compadd -- " + " ".join(map(_sh, o.choices))
                values.append(f"      {pattern}) {action} ;;")
    return _ZSH.format(
        version=__version__, spec="\n".join(spec), values="\n".join(values) or "      *) ;;"
    )


# `words` and CURRENT are zsh's completion state (1-based; words[1] is the command).
# `path` is avoided as a name: in zsh it is the array tied to PATH.
_ZSH = """\
#compdef pycustoms
# zsh completion for pycustoms {version}; generated by `pycustoms completion zsh`.
_pycustoms_spec() {{
  subs=() opts=() vals=() args=() files=0
  case "$1" in
{spec}
  esac
}}

_pycustoms() {{
  local cmdpath="" word prev i files
  local -a subs opts vals args
  for (( i = 2; i < CURRENT; i++ )); do
    word=${{words[i]}}
    _pycustoms_spec "$cmdpath"
    if [[ $word == -* ]]; then
      if [[ $word != *=* ]] && (( ${{vals[(Ie)$word]}} )); then (( i++ )); fi
    elif (( ${{subs[(I)${{(b)word}}:*]}} )); then
      cmdpath="${{cmdpath:+$cmdpath }}$word"
    fi
  done
  _pycustoms_spec "$cmdpath"
  prev=${{words[CURRENT-1]}}
  if (( CURRENT > 2 )) && (( ${{vals[(Ie)$prev]}} )); then
    case "${{cmdpath:+$cmdpath }}$prev" in
{values}
    esac
    return 0
  fi
  if [[ ${{words[CURRENT]}} == -* ]]; then
    _describe -t options option opts
  elif (( $#subs )); then
    _describe -t commands command subs
  elif (( $#args )); then
    compadd -- $args
  elif (( files )); then
    _files
  fi
}}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _pycustoms "$@"
else
  compdef _pycustoms pycustoms
fi
"""


# -- fish ----------------------------------------------------------------------------------


def _fish_flags(flags: tuple[str, ...]) -> str:
    out: list[str] = []
    for flag in flags:
        if flag.startswith("--"):
            out.append(f"-l {_fish(flag[2:])}")
        elif len(flag) == 2:
            out.append(f"-s {_fish(flag[1:])}")
        else:
            out.append(f"-o {_fish(flag[1:])}")
    return " ".join(out)


def _fish_script(commands: list[Command]) -> str:
    subs_cases: list[str] = []
    vals_cases: list[str] = []
    lines: list[str] = []
    for c in commands:
        at = f"-n {_fish('__pycustoms_at ' + _fish(c.key))}"
        if c.subcommands:
            names = " ".join(_fish(n) for n, _ in c.subcommands)
            subs_cases.append(f"        case {_fish(c.key)}\n            printf '%s\\n' {names}")
            for name, text in c.subcommands:
                lines.append(
                    f"complete -c pycustoms {at} -a {_fish(name)} -d {_fish(_one_line(text))}"
                )
        if c.value_options():
            flags = " ".join(_fish(f) for f in c.value_options())
            vals_cases.append(f"        case {_fish(c.key)}\n            printf '%s\\n' {flags}")
        for o in c.options:
            value = ""
            if o.choices:
                value = f" -x -a {_fish(' '.join(o.choices))}"
            elif o.paths:
                value = " -r -F"
            elif o.takes_value:
                value = " -x"
            text = _fish(_one_line(o.help))
            lines.append(f"complete -c pycustoms {at} {_fish_flags(o.flags)}{value} -d {text}")
        if c.positional_choices:
            lines.append(f"complete -c pycustoms {at} -a {_fish(' '.join(c.positional_choices))}")
        elif c.files and not c.subcommands:
            lines.append(f"complete -c pycustoms {at} -F")
    return _FISH.format(
        version=__version__,
        subs="\n".join(subs_cases),
        vals="\n".join(vals_cases),
        lines="\n".join(lines),
    )


_FISH = """\
# fish completion for pycustoms {version}; generated by `pycustoms completion fish`.
function __pycustoms_subcommands
    switch $argv[1]
{subs}
    end
end

function __pycustoms_values
    switch $argv[1]
{vals}
    end
end

# The subcommand path of the words before the cursor (options and their values skipped).
function __pycustoms_path
    set -l cmdpath ''
    set -l skip 0
    set -l words (commandline -opc)
    set -e words[1]
    for word in $words
        if test $skip -eq 1
            set skip 0
            continue
        end
        if string match -q -- '-*' $word
            set -l takes (__pycustoms_values $cmdpath)
            if not string match -q -- '*=*' $word; and contains -- $word $takes
                set skip 1
            end
        else if contains -- $word (__pycustoms_subcommands $cmdpath)
            set cmdpath (string trim -- "$cmdpath $word")
        end
    end
    echo $cmdpath
end

function __pycustoms_at
    set -l here (__pycustoms_path)
    test "$here" = "$argv[1]"
end

complete -c pycustoms -f
{lines}
"""

_WRITERS: dict[str, Callable[[list[Command]], str]] = {
    "bash": _bash,
    "zsh": _zsh,
    "fish": _fish_script,
}
