-- 支援措置 SQL の例（PostgreSQL・支援措置台帳）
-- 基準日 :base_date に支援措置（DV 等）を受けている住民を返します。ここに載った住民は不開示で送ります。
-- パラメーター: :base_date（基準日。YYYY-MM-DD の文字列）
SELECT
  s.atena_no AS resident_no,
  1          AS is_not_disclosed
FROM juki.t_shien_sochi s
WHERE :base_date::date BETWEEN s.kaishi_bi AND coalesce(s.shuryo_bi, 'infinity'::date)
