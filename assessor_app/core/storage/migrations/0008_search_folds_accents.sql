-- Schema 8: the caseload's search text is stored without accents, so "nguyen" finds Nguyễn and
-- "zoe" finds Zoë. The folding is Python's (storage/search_fold.py), registered on the
-- connection under this name; the text already stored was lower-cased, which folding keeps.
UPDATE person SET search_text = assessor_search_fold(search_text);
