"""The sink families of the `ast` walk: how a call turns the labels of its arguments into hits.

One module per family of calls, each a set of functions of the walk's state
(`ast_state.WalkState`) and a name -> handler table (`HANDLERS`):

- `decoding`: decoders, char codes, digests; literal payloads decoded and walked.
- `execution`: `exec`/`eval`/`compile`, imports by name, `getattr`, unpickling,
  code written to files, PyArmor.
- `network`: sockets, HTTP clients, DNS; suspicious peers and exfiltration.
- `process`: programs and shells started, install-time commands, reverse shells.
- `files`: opening, copying and listing files; credential stores; persistence.
- `host`: the environment, host details, surveillance, timing, native memory.

`dispatch` joins the tables into one lookup for a called name and judges method
calls. Nothing here imports the walker (`ast_walk`): the walker calls in.
"""
