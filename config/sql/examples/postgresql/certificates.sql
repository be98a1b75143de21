-- 受給者証 SQL の例（PostgreSQL・医療助成システム）
-- 制度コード :program_code の受給者証のうち、有効期間の終了日が基準日 :base_date 以降の履歴を 1 行 1 履歴で返します。
-- 同じ受給者証・同じ有効期間に訂正の履歴が複数あるときは、DISTINCT ON で履歴番号が最も大きい 1 件だけを選びます。
-- パラメーター: :program_code（制度コード）、:base_date（基準日。YYYY-MM-DD の文字列）
-- :base_date::date のような型変換（::）はそのまま書けます（パラメーターとは見なされません）。
-- 上限額は numeric 型のため、ドライバーが文字列で返す小数にならないよう integer に変換します。
-- 表名・列名は架空のものです。
WITH saishin AS (
  SELECT DISTINCT ON (r.jukyusha_sho_no, r.yuko_kaishi_bi)
    r.atena_no,
    r.jukyusha_sho_no,
    r.rireki_no,
    r.futansha_no,
    r.jukyusha_no,
    r.yuko_kaishi_bi,
    r.yuko_shuryo_bi,
    r.shotoku_kbn,
    r.jogengaku,
    r.shokan_flg
  FROM iryo.t_jukyusha_rireki r
  WHERE r.seido_cd = :program_code
    AND NOT r.sakujo_flg
  ORDER BY r.jukyusha_sho_no, r.yuko_kaishi_bi, r.rireki_no DESC
)
SELECT
  s.atena_no               AS resident_no,
  s.jukyusha_sho_no        AS certificate_id,
  s.rireki_no              AS history_no,
  s.futansha_no            AS insurer_number,
  s.jukyusha_no            AS recipient_number,
  s.yuko_kaishi_bi::date   AS valid_from,
  s.yuko_shuryo_bi::date   AS valid_to,
  s.shotoku_kbn            AS income_segment,
  s.jogengaku::integer     AS copay_cap_yen,
  s.shokan_flg             AS always_reimburse
FROM saishin s
WHERE s.yuko_shuryo_bi >= :base_date::date
