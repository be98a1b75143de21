-- 住民 SQL の例（PostgreSQL・住民記録システム）: 基本5情報と個人番号を宛名番号ごとに 1 行で返します。
-- 住民記録の異動履歴から、基準日 :base_date までの最新の 1 件を宛名番号ごとに選びます。
-- パラメーター: :base_date（基準日。YYYY-MM-DD の文字列）
-- 方書が空または NULL のときは、concat_ws が区切りの全角空白ごと省きます。
WITH genzai AS (
  SELECT DISTINCT ON (j.atena_no)
    j.atena_no,
    j.shimei,
    j.shimei_kana,
    j.jusho,
    j.katagaki,
    j.seinengappi,
    j.seibetsu_cd
  FROM juki.t_jumin_rireki j
  WHERE j.ido_bi <= :base_date::date
  ORDER BY j.atena_no, j.ido_bi DESC, j.rireki_renban DESC
)
SELECT
  g.atena_no                                   AS resident_no,
  b.kojin_no                                   AS my_number,
  g.shimei                                     AS name,
  g.shimei_kana                                AS name_kana,
  concat_ws('　', g.jusho, nullif(g.katagaki, '')) AS address,
  to_char(g.seinengappi, 'YYYY-MM-DD')         AS date_of_birth,
  g.seibetsu_cd                                AS sex_code
FROM genzai g
LEFT JOIN bango.t_kojin_bango b
  ON b.atena_no = g.atena_no
 AND b.yuko
