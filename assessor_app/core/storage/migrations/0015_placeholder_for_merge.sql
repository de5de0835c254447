-- Placeholder for schema 15, which another branch takes (migrations must be numbered without
-- gaps). It changes nothing; at the merge the other branch's 0015 replaces this file, and
-- 0016 below stays as it is.
SELECT 1;
