"""Input formats of `pycustoms audit`: one module per format behind `interface.InputReader`."""

from pycustoms.audit.inputs.interface import InputReader, detect, read_input, reader_for

__all__ = ["InputReader", "detect", "read_input", "reader_for"]
