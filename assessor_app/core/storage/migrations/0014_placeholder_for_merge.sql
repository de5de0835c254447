-- Placeholder for schema 14, which another branch takes (migrations must be numbered without
-- gaps). It changes nothing; at the merge the other branch's 0014 replaces this file, and
-- 0015 below stays as it is.
SELECT 1;
