<#
.SYNOPSIS
  Checks an unzipped pmh-bot bundle against its MANIFEST.sha256.
  展開した pmh-bot のフォルダーを MANIFEST.sha256 と照合します。

.DESCRIPTION
  Every file listed in MANIFEST.sha256 must be present with the SHA-256 written there, and
  no file may be present that the manifest does not list. Nothing is changed. Exit code 0
  when everything matches, 1 otherwise (each missing, different or unlisted file is named).

  MANIFEST.sha256 holds one line per file: "<sha256 hex>  <relative path with forward slashes>".

  Uses only built-in cmdlets (Get-FileHash); needs no network and no administrator rights.

.PARAMETER Path
  The bundle folder (the folder holding MANIFEST.sha256). Default: this script's folder.

.EXAMPLE
  powershell -NoProfile -ExecutionPolicy Bypass -File .\verify-manifest.ps1
#>
[CmdletBinding()]
param(
  [string]$Path = $PSScriptRoot
)

$ErrorActionPreference = 'Stop'

# How many names of each kind of problem are printed (all are counted).
$ShowAtMost = 20

function Say([string]$Ja, [string]$En) {
  Write-Host $Ja
  Write-Host "  $En"
}

function Show-Problems([string]$Ja, [string]$En, [System.Collections.Generic.List[string]]$Names) {
  if ($Names.Count -eq 0) { return }
  Say ('[NG] {0}: {1} 件' -f $Ja, $Names.Count) ('{0}: {1}' -f $En, $Names.Count)
  foreach ($name in ($Names | Select-Object -First $ShowAtMost)) { Write-Host "       $name" }
  if ($Names.Count -gt $ShowAtMost) { Write-Host ('       ...（ほか {0} 件 / {0} more）' -f ($Names.Count - $ShowAtMost)) }
}

try {
  $root = (Resolve-Path -LiteralPath $Path).ProviderPath.TrimEnd('\')
  $manifest = Join-Path $root 'MANIFEST.sha256'
  if (-not (Test-Path -LiteralPath $manifest -PathType Leaf)) {
    Say "[NG] $manifest がありません。配布された zip を展開したフォルダーで実行してください。" "[NG] $manifest is missing. Run this in the folder the bundle was unzipped to."
    exit 1
  }

  # Relative path (case-insensitive, as NTFS compares names) -> expected SHA-256.
  $expected = New-Object 'System.Collections.Generic.Dictionary[string,string]' ([System.StringComparer]::OrdinalIgnoreCase)
  $malformed = New-Object 'System.Collections.Generic.List[string]'
  $lineNumber = 0
  foreach ($line in [System.IO.File]::ReadAllLines($manifest, [System.Text.Encoding]::UTF8)) {
    $lineNumber++
    if ($line.Trim() -eq '') { continue }
    # sha256sum's format: the hash, a space, then a space (text) or * (binary), then the path.
    if ($line -notmatch '^([0-9A-Fa-f]{64}) [ *](.+)$') { $malformed.Add("line $lineNumber"); continue }
    $hash = $Matches[1].ToUpperInvariant()
    $relative = $Matches[2]
    # A path must stay inside the bundle: no drive, no leading slash, no backslash, no "..".
    if ($relative -match '^[/\\]' -or $relative.Contains(':') -or $relative.Contains('\') -or $relative -match '(^|/)\.\.(/|$)') {
      $malformed.Add("line ${lineNumber}: $relative"); continue
    }
    if ($expected.ContainsKey($relative)) { $malformed.Add("line ${lineNumber}: $relative (twice)"); continue }
    $expected[$relative] = $hash
  }

  $missing = New-Object 'System.Collections.Generic.List[string]'
  $different = New-Object 'System.Collections.Generic.List[string]'
  $unlisted = New-Object 'System.Collections.Generic.List[string]'

  Say "$root を MANIFEST.sha256（$($expected.Count) ファイル）と照合しています..." "Checking $root against MANIFEST.sha256 ($($expected.Count) files)..."
  $done = 0
  foreach ($relative in $expected.Keys) {
    $file = Join-Path $root ($relative.Replace('/', '\'))
    if (-not (Test-Path -LiteralPath $file -PathType Leaf)) {
      $missing.Add($relative)
    } elseif ((Get-FileHash -LiteralPath $file -Algorithm SHA256).Hash -ne $expected[$relative]) {
      $different.Add($relative)
    }
    $done++
    if ($done % 500 -eq 0) {
      Write-Progress -Activity 'MANIFEST.sha256' -Status "$done / $($expected.Count)" -PercentComplete ([int](100 * $done / $expected.Count))
    }
  }
  Write-Progress -Activity 'MANIFEST.sha256' -Completed

  # A file the manifest does not list did not come from the build: refused as well.
  foreach ($item in Get-ChildItem -LiteralPath $root -Recurse -File -Force) {
    $relative = $item.FullName.Substring($root.Length + 1).Replace('\', '/')
    if ($relative -eq 'MANIFEST.sha256') { continue }
    if (-not $expected.ContainsKey($relative)) { $unlisted.Add($relative) }
  }

  $problems = $malformed.Count + $missing.Count + $different.Count + $unlisted.Count
  if ($problems -eq 0 -and $expected.Count -gt 0) {
    Say "[OK] すべてのファイル（$($expected.Count) 件）が MANIFEST.sha256 と一致しました。" "[OK] All $($expected.Count) files match MANIFEST.sha256."
    exit 0
  }
  Show-Problems 'MANIFEST.sha256 の読めない行' 'Lines of MANIFEST.sha256 that cannot be read' $malformed
  Show-Problems 'ないファイル' 'Missing files' $missing
  Show-Problems '内容が違うファイル（SHA-256 が一致しない）' 'Files whose SHA-256 differs' $different
  Show-Problems 'MANIFEST.sha256 にないファイル' 'Files the manifest does not list' $unlisted
  if ($expected.Count -eq 0) { Say '[NG] MANIFEST.sha256 にファイルが 1 つもありません。' '[NG] MANIFEST.sha256 lists no file.' }
  Say '[NG] 配布物が壊れているか、変更されています。インストールせず、配布元から受け取り直してください。' '[NG] The bundle is damaged or was changed. Do not install it; obtain it again from its source.'
  exit 1
} catch {
  Say "[NG] 照合できませんでした: $($_.Exception.Message)" "[NG] The check could not be carried out: $($_.Exception.Message)"
  exit 1
}
