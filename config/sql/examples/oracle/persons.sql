-- 住民 SQL の例（Oracle・住民記録システム）: 基本5情報と個人番号を宛名番号ごとに 1 行で返します。
-- 住民記録の異動履歴から、基準日 :base_date までの最新の 1 件を宛名番号ごとに選びます。
-- パラメーター: :base_date（基準日。YYYY-MM-DD の文字列）
-- 別名は二重引用符で小文字にします（Oracle は引用符のない別名を大文字で返すため）。
-- Oracle では NULL を || でつないでも空文字として扱われるため、方書がなければ住所だけになります。
WITH SAISHIN AS (
  SELECT
    K.ATENA_NO,
    K.SHIMEI,
    K.SHIMEI_KANA,
    K.JUSHO,
    K.KATAGAKI,
    K.SEINENGAPPI,
    K.SEIBETSU,
    ROW_NUMBER() OVER (PARTITION BY K.ATENA_NO ORDER BY K.IDO_YMD DESC, K.RIREKI_RENBAN DESC) AS JUNI
  FROM JUKI.T_JUMIN_RIREKI K
  WHERE K.IDO_YMD <= TO_DATE(:base_date, 'YYYY-MM-DD')
)
SELECT
  LPAD(TO_CHAR(S.ATENA_NO), 15, '0')    AS "resident_no",
  B.KOJIN_NO                            AS "my_number",
  TRIM(S.SHIMEI)                        AS "name",
  TRIM(S.SHIMEI_KANA)                   AS "name_kana",
  TRIM(S.JUSHO) || NVL2(TRIM(S.KATAGAKI), '　' || TRIM(S.KATAGAKI), NULL) AS "address",
  TO_CHAR(S.SEINENGAPPI, 'YYYY-MM-DD')  AS "date_of_birth",
  S.SEIBETSU                            AS "sex_code"
FROM SAISHIN S
LEFT JOIN JUKI.T_KOJIN_BANGO B
  ON B.ATENA_NO = S.ATENA_NO
 AND B.YUKO_KBN = '1'
WHERE S.JUNI = 1
