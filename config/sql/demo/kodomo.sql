-- 医療助成システム: 子ども医療費助成 (KODOMO) certificates that are valid on or after the base date.
-- Parameters: :program_code (the program's code in the config), :base_date (YYYY-MM-DD).
-- Column aliases are what the bot reads; see docs/vendor-sql-guide.md.
SELECT
  c.atena_no         AS resident_no,
  c.cert_id          AS certificate_id,
  c.history_no       AS history_no,
  c.futansha_no      AS insurer_number,
  c.jukyusha_no      AS recipient_number,
  c.valid_from       AS valid_from,
  c.valid_to         AS valid_to,
  c.income_segment   AS income_segment,
  c.copay_cap        AS copay_cap_yen,
  c.always_reimburse AS always_reimburse
FROM certificates c
WHERE c.program_code = :program_code
  AND c.valid_to >= :base_date
ORDER BY c.atena_no, c.cert_id, c.history_no
