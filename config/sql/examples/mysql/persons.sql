-- 住民 SQL の例（MySQL・MariaDB・宛名システム）: 基本5情報と個人番号を宛名番号ごとに 1 行で返します。
-- パラメーター: なし（:base_date も使えます）
-- 生年月日の 0000-00-00（ゼロ日付）は NULL にします。NULL のままの住民は、ボットが必須項目なしとして保留します。
-- 方書が空または NULL のときは、CONCAT_WS が区切りの全角空白ごと省きます。
SELECT
  a.atena_no                                    AS resident_no,
  a.kojin_no                                    AS my_number,
  a.shimei                                      AS name,
  a.shimei_kana                                 AS name_kana,
  CONCAT_WS('　', a.jusho, NULLIF(a.katagaki, '')) AS address,
  CASE WHEN a.seinengappi > '0000-00-00'
       THEN DATE_FORMAT(a.seinengappi, '%Y-%m-%d') END AS date_of_birth,
  a.seibetsu                                    AS sex_code
FROM `t_atena` a
