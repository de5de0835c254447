-- Placeholder for schema 18, which another branch takes (migrations must be numbered without
-- gaps). It changes nothing; at the merge the other branch's 0018 replaces this file, and
-- 0020 (the shared DST) stays as it is.
SELECT 1;
