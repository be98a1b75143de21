-- 支援措置 SQL の例（SQL Server・支援措置台帳）
-- 基準日 :base_date に支援措置（DV 等）を受けている住民を返します。ここに載った住民は不開示で送ります。
-- パラメーター: :base_date（基準日。YYYY-MM-DD の文字列）
SELECT
  RTRIM(s.ATENA_NO) AS resident_no,
  1                 AS is_not_disclosed
FROM dbo.T_SHIENSOCHI s
WHERE s.SOCHI_KAISHI_YMD <= CONVERT(date, :base_date, 23)
  AND (s.SOCHI_SHURYO_YMD IS NULL OR s.SOCHI_SHURYO_YMD >= CONVERT(date, :base_date, 23))
