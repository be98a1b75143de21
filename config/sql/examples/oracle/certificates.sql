-- 受給者証 SQL の例（Oracle・医療助成システム）
-- 制度コード :program_code の受給者証のうち、有効期間の終了日が基準日 :base_date 以降の履歴を 1 行 1 履歴で返します。
-- 同じ受給者証・同じ有効期間に訂正の履歴が複数あるときは、履歴番号が最も大きい 1 件だけを返します。
-- パラメーター: :program_code（制度コード）、:base_date（基準日。YYYY-MM-DD の文字列）
-- Oracle は引用符のない別名を大文字で返すため、別名は "resident_no" のように二重引用符で小文字にします。
-- 宛名番号は NUMBER 型のため、他のシステムと同じ 15 桁のゼロ埋め文字列にそろえます。
-- 文末にセミコロンは付けません。表名・列名は架空のものです。
WITH RIREKI AS (
  SELECT
    J.ATENA_NO,
    J.JKY_SHO_NO,
    J.RIREKI_NO,
    J.FTN_NO,
    J.JKY_NO,
    J.KAISHI_YMD,
    J.SHURYO_YMD,
    J.SHOTOKU_KBN,
    J.JOGEN_GAKU,
    J.SHOKAN_KBN,
    ROW_NUMBER() OVER (PARTITION BY J.JKY_SHO_NO, J.KAISHI_YMD ORDER BY J.RIREKI_NO DESC) AS JUNI
  FROM IRYO.T_JUKYUSHA J
  WHERE J.SEIDO_CD = :program_code
    AND J.TORIKESHI_KBN = '0'
)
SELECT
  LPAD(TO_CHAR(R.ATENA_NO), 15, '0')  AS "resident_no",
  TRIM(R.JKY_SHO_NO)                  AS "certificate_id",
  R.RIREKI_NO                         AS "history_no",
  TRIM(R.FTN_NO)                      AS "insurer_number",
  TRIM(R.JKY_NO)                      AS "recipient_number",
  TO_CHAR(R.KAISHI_YMD, 'YYYY-MM-DD') AS "valid_from",
  TO_CHAR(R.SHURYO_YMD, 'YYYY-MM-DD') AS "valid_to",
  TRIM(R.SHOTOKU_KBN)                 AS "income_segment",
  R.JOGEN_GAKU                        AS "copay_cap_yen",
  -- この業務システムでは未入力を「償還払いでない」と定めているため、NULL を '0' にします。
  NVL(R.SHOKAN_KBN, '0')              AS "always_reimburse"
FROM RIREKI R
WHERE R.JUNI = 1
  AND R.SHURYO_YMD >= TO_DATE(:base_date, 'YYYY-MM-DD')
