-- 支援措置台帳: residents under a support measure (DV and similar) on the base date.
-- Every listed resident is sent with 不開示フラグ = true.
SELECT
  s.atena_no AS resident_no,
  1          AS is_not_disclosed
FROM support_measures s
WHERE s.start_date <= :base_date
  AND (s.end_date IS NULL OR s.end_date >= :base_date)
