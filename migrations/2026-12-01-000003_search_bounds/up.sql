-- Bounds on what the text-search parser and the snippets are given (issue 10, point 2).
--
-- PostgreSQL's default parser is quadratic on a long run of ASCII letters, digits and
-- punctuation such as `_`, `.`, `-` (`zq_zq_...`, `a_a_...`, `a-b.a-b....`): it tries to read a
-- host or file name from each position of the run to its end. 8 000 characters of `_a` took
-- 2.2 s in `to_tsvector`, and `ts_headline` over 200 KB of `zq_` 360 s. The cost of such a run
-- grows with the square of its length, so runs are cut short before the parser sees them: a run
-- of printable ASCII characters without a space (`[!-~]`) keeps its first 64 characters (a
-- word, an e-mail address, the host and path of most links) and loses the rest. Characters
-- outside ASCII, and spaces, end a run; the parser is linear on them (measured). The pattern
-- has one fixed-length group and no nesting: PostgreSQL's regex engine matches it in time
-- linear in the text (3.5 ms for 200 KB as one run, 90 ms as 3 000 runs of 65).
--
-- `max_chars` caps the text first (the regex never sees more).
CREATE FUNCTION orgcms_search_text(body text, max_chars integer) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN regexp_replace(left(body, max_chars), '([!-~]{64})[!-~]+', '\1', 'g');

-- The vector of one localized text, every locale in its configuration, over the first 100 000
-- characters of each locale's text (a tsvector records positions up to 16 383, about as many
-- words as 100 000 characters hold: words past them had no position of their own anyway).
CREATE OR REPLACE FUNCTION orgcms_localized_vector(text_by_locale jsonb, weight "char")
  RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN coalesce(
    (SELECT tsvector_agg FROM (
       SELECT string_agg(
                setweight(
                  to_tsvector(orgcms_search_config(key), orgcms_search_text(value, 100000)),
                  weight
                )::text, ' '
              )::tsvector AS tsvector_agg
       FROM jsonb_each_text(text_by_locale)
     ) AS v),
    ''::tsvector);

-- A reader's query as websearch_to_tsquery is given it. Each `-` before a word is a NOT, and
-- PostgreSQL's query parser keeps a stack of 32 operators: 33 `-` in a row (with only blanks
-- or the characters web-search syntax ignores between them: `! & | ( ) <`) fail with "tsquery
-- stack too small". Two NOTs in a row cancel, so every pair becomes a blank: what is left is at
-- most one NOT per word, and the query means what it meant.
--
-- Only the first 12 words are searched for (a word: a run of anything but blanks, punctuation
-- and controls). ts_rank_cd, which orders every match, costs the square of a phrase's terms for
-- every item: `,2` repeated 66 times is one phrase of 66 terms, 615 ms for one item whose text
-- repeats the word (8 terms: 5 ms), and a search ranks every matching item.
CREATE FUNCTION orgcms_search_input(q text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN regexp_replace(
    coalesce(
      substring(q from '^(([[:space:][:punct:][:cntrl:]]*[^[:space:][:punct:][:cntrl:]]+){1,12})'),
      q),
    '-[[:space:]!&|()<]*-', ' ', 'g');

CREATE OR REPLACE FUNCTION orgcms_search_query(q text) RETURNS tsquery
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  RETURN websearch_to_tsquery('english', orgcms_search_input(q))
      || websearch_to_tsquery('simple', orgcms_search_input(q));

-- The query a snippet is marked with: the distinct words of the reader's query, at most 16, any
-- of which marks a match. ts_headline's work grows exponentially with the terms of a phrase
-- (`,11` repeated 60 times is a phrase of 60 terms: over 3 000 matching words it grew one server
-- process to 20 GB until the kernel killed it, restarting every connection) and with the number
-- of terms over a text that matches them everywhere (seconds for 96 terms); over distinct words
-- joined by OR it costs milliseconds. Matching (@@) still uses the full query.
CREATE FUNCTION orgcms_snippet_query(q tsquery) RETURNS tsquery
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN (SELECT coalesce(string_agg(word, ' | '), '')::tsquery
            FROM (SELECT DISTINCT m[1] AS word
                    FROM regexp_matches(q::text, '(''(?:[^'']|'''')*'')', 'g') AS m
                   LIMIT 16) AS words);

-- The stored vectors were computed by the old function: compute them again. Only the vector
-- changes, so neither the version nor the change log may (the triggers are off meanwhile).
ALTER TABLE news DISABLE TRIGGER news_touch;
ALTER TABLE news DISABLE TRIGGER news_changes;
UPDATE news SET title = title;
ALTER TABLE news ENABLE TRIGGER news_touch;
ALTER TABLE news ENABLE TRIGGER news_changes;
