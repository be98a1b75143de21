-- 住民 SQL の例（SQL Server・宛名システム）: 基本5情報と個人番号を宛名番号ごとに 1 行で返します。
-- パラメーター: なし（:base_date も使えます）
-- 個人番号は団体内統合宛名の番号表から、有効な 1 件だけを結び付けます。
-- 方書（KATAGAKI）が NULL のときは N'　' + NULL が NULL になり、CONCAT が空文字として扱います。
SELECT
  RTRIM(a.ATENA_NO)                    AS resident_no,
  RTRIM(b.KOJIN_NO)                    AS my_number,
  RTRIM(a.SHIMEI)                      AS name,
  RTRIM(a.SHIMEI_KANA)                 AS name_kana,
  CONCAT(RTRIM(a.JUSHO), RTRIM(a.BANCHI), N'　' + RTRIM(a.KATAGAKI)) AS address,
  CONVERT(char(10), a.SEINENGAPPI, 23) AS date_of_birth,
  a.SEIBETSU_CD                        AS sex_code
FROM dbo.T_ATENA a
LEFT JOIN dbo.T_KOJIN_BANGO b
  ON b.ATENA_NO = a.ATENA_NO
 AND b.YUKO_FLG = '1'
