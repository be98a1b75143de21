-- 支援措置 SQL の例（Oracle・支援措置台帳）
-- 基準日 :base_date に支援措置（DV 等）を受けている住民を返します。ここに載った住民は不開示で送ります。
-- パラメーター: :base_date（基準日。YYYY-MM-DD の文字列）
SELECT
  LPAD(TO_CHAR(S.ATENA_NO), 15, '0') AS "resident_no",
  1                                  AS "is_not_disclosed"
FROM JUKI.T_SHIEN_SOCHI S
WHERE S.KAISHI_YMD <= TO_DATE(:base_date, 'YYYY-MM-DD')
  AND NVL(S.SHURYO_YMD, DATE '9999-12-31') >= TO_DATE(:base_date, 'YYYY-MM-DD')
