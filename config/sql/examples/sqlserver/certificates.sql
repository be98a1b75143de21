-- 受給者証 SQL の例（SQL Server・医療助成システム）
-- 制度コード :program_code の受給者証のうち、有効期間の終了日が基準日 :base_date 以降の履歴を 1 行 1 履歴で返します。
-- 同じ受給者証・同じ有効期間に訂正の履歴が複数あるときは、履歴番号が最も大きい 1 件だけを返します。
-- パラメーター: :program_code（制度コード）、:base_date（基準日。YYYY-MM-DD の文字列）
-- 表名・列名は架空のものです。自治体の業務システムに合わせて書き換えてください。
WITH saishin AS (
  SELECT
    j.ATENA_NO,
    j.JUKYUSHA_SHO_NO,
    j.RIREKI_NO,
    j.FUTANSHA_NO,
    j.JUKYUSHA_NO,
    j.YUKO_KAISHI_YMD,
    j.YUKO_SHURYO_YMD,
    j.SHOTOKU_KBN,
    j.JIKO_FUTAN_JOGENGAKU,
    j.SHOKAN_KBN,
    ROW_NUMBER() OVER (
      PARTITION BY j.JUKYUSHA_SHO_NO, j.YUKO_KAISHI_YMD
      ORDER BY j.RIREKI_NO DESC
    ) AS JUNI
  FROM dbo.T_JUKYUSHA j
  WHERE j.SEIDO_CD = :program_code
    AND j.SAKUJO_FLG = '0'
)
SELECT
  RTRIM(s.ATENA_NO)                        AS resident_no,
  RTRIM(s.JUKYUSHA_SHO_NO)                 AS certificate_id,
  s.RIREKI_NO                              AS history_no,
  RTRIM(s.FUTANSHA_NO)                     AS insurer_number,
  RTRIM(s.JUKYUSHA_NO)                     AS recipient_number,
  CONVERT(char(10), s.YUKO_KAISHI_YMD, 23) AS valid_from,
  CONVERT(char(10), s.YUKO_SHURYO_YMD, 23) AS valid_to,
  RTRIM(s.SHOTOKU_KBN)                     AS income_segment,
  s.JIKO_FUTAN_JOGENGAKU                   AS copay_cap_yen,
  -- 区分が 1/0 以外なら NULL を返し、ボットはそのレコードを送らずに保留します（推測で 0 にしない）。
  CASE s.SHOKAN_KBN WHEN '1' THEN 1 WHEN '0' THEN 0 END AS always_reimburse
FROM saishin s
WHERE s.JUNI = 1
  AND s.YUKO_SHURYO_YMD >= CONVERT(date, :base_date, 23)
