-- 受給者証 SQL の例（MySQL・MariaDB・医療助成システム）
-- 制度コード :program_code の受給者証のうち、有効期間の終了日が基準日 :base_date 以降の履歴を 1 行 1 履歴で返します。
-- 同じ受給者証・同じ有効期間に訂正の履歴が複数あるときは、より新しい履歴がない 1 件（最新）だけを返します。
-- WITH 句やウィンドウ関数のない MySQL 5.7 でも動く書き方（NOT EXISTS）です。
-- パラメーター: :program_code（制度コード）、:base_date（基準日。YYYY-MM-DD の文字列）
-- 表名・列名は架空のものです。
SELECT
  j.atena_no                                AS resident_no,
  j.jukyusha_sho_no                         AS certificate_id,
  j.rireki_no                               AS history_no,
  j.futansha_no                             AS insurer_number,
  j.jukyusha_no                             AS recipient_number,
  DATE_FORMAT(j.yuko_kaishi_bi, '%Y-%m-%d') AS valid_from,
  DATE_FORMAT(j.yuko_shuryo_bi, '%Y-%m-%d') AS valid_to,
  j.shotoku_kbn                             AS income_segment,
  j.jogengaku                               AS copay_cap_yen,
  j.shokan_kbn                              AS always_reimburse
FROM t_jukyusha j
WHERE j.seido_cd = :program_code
  AND j.sakujo_flg = 0
  AND j.yuko_shuryo_bi >= :base_date
  AND NOT EXISTS (
    SELECT 1
    FROM t_jukyusha n
    WHERE n.seido_cd = j.seido_cd
      AND n.jukyusha_sho_no = j.jukyusha_sho_no
      AND n.yuko_kaishi_bi = j.yuko_kaishi_bi
      AND n.sakujo_flg = 0
      AND n.rireki_no > j.rireki_no
  )
