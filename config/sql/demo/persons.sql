-- 住基/宛名システム: 基本5情報 and My Number by resident number (宛名番号).
SELECT
  r.atena_no    AS resident_no,
  r.kojin_no    AS my_number,
  r.shimei      AS name,
  r.shimei_kana AS name_kana,
  r.jusho       AS address,
  r.seinengappi AS date_of_birth,
  r.seibetsu    AS sex_code
FROM residents r
