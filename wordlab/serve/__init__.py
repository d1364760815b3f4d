"""`wordlab serve`: a local, offline explorer of word vectors in the browser, and its JSON API.

models.py loads what the command line names (vectors files through a memory-mapped cache,
`.wordlab` models by kind) and answers queries; api.py checks requests and shapes the JSON;
server.py is the HTTP handler (standard library only); projection.py makes the 2-D maps;
projector.py writes files for TensorFlow's Embedding Projector; static/ holds the page.
"""
