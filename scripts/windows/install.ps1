<#
.SYNOPSIS
  Installs, upgrades or rolls back pmh-bot on an offline Windows terminal, from the unzipped bundle.
  オフラインの Windows 端末に pmh-bot をインストール・更新・切り戻しします。

.DESCRIPTION
  Run it as Administrator from the folder the bundle (pmh-bot-<version>-win32-x64.zip) was
  unzipped to. It uses only built-in cmdlets and Windows' own tools (icacls, schtasks); it
  never reaches the network.

  Install (the default):
    1. checks every file of the bundle against MANIFEST.sha256 (verify-manifest.ps1) and stops
       on any missing, different or unlisted file, before anything is copied;
    2. copies the bundle to <InstallRoot>\<version> (the version is read from app\package.json)
       through a temporary <version>.partial folder that is checked again before it is renamed;
       an existing version folder is never overwritten;
    3. creates the config and data folders outside the install folder on first install, and
       copies the example config only when there is no pmh-bot.yaml yet;
    4. with -BotUser, limits the data folder to the bot's account, Administrators and SYSTEM
       (full control, inherited by everything inside) and the config folder likewise (the bot
       may read it, not change it), with icacls;
    5. points the <InstallRoot>\current junction at the new version (unless -NoSwitch);
    6. with -RegisterTask, writes the Task Scheduler task with `pmh-bot schedule install
       --windows` (it runs current\node\node.exe current\app\bin\pmh-bot.mjs, so an upgrade or
       a rollback needs no new task) and registers it with schtasks (asks for the password).
  -SwitchTo <version> points current at an installed version (an upgrade installed with
  -NoSwitch and checked with doctor); -Rollback <version> points it back at an earlier one;
  -List shows the installed versions and which one is current.

  Exit code 0 on success, 1 on any failure (with what failed, in Japanese and English).

.EXAMPLE
  First install / 初回のインストール:
  powershell -NoProfile -ExecutionPolicy Bypass -File .\install.ps1 -BotUser PC01\pmhbot

.EXAMPLE
  Upgrade, checked before it takes over / 更新（切り替える前に点検）:
  powershell -NoProfile -ExecutionPolicy Bypass -File .\install.ps1 -NoSwitch
  & "C:\Program Files\pmh-bot\0.2.0\pmh-bot.cmd" doctor --config C:\ProgramData\pmh-bot\config\pmh-bot.yaml
  powershell -NoProfile -ExecutionPolicy Bypass -File .\install.ps1 -SwitchTo 0.2.0

.EXAMPLE
  Roll back / 切り戻し:
  powershell -NoProfile -ExecutionPolicy Bypass -File .\install.ps1 -Rollback 0.1.0
#>
[CmdletBinding(DefaultParameterSetName = 'Install')]
param(
  # The account the bot runs as (DOMAIN\user or PC-NAME\user). Required on first install and with -RegisterTask.
  [Parameter(ParameterSetName = 'Install')]
  [string]$BotUser,

  # Install only; leave current where it is (switch later with -SwitchTo).
  [Parameter(ParameterSetName = 'Install')]
  [switch]$NoSwitch,

  # Register the daily Task Scheduler task after installing.
  [Parameter(ParameterSetName = 'Install')]
  [switch]$RegisterTask,

  # Password: runs whether the user is logged on or not, with network access (asks for the password).
  # S4U: no stored password, local resources only.
  [Parameter(ParameterSetName = 'Install')]
  [ValidateSet('Password', 'S4U')]
  [string]$TaskLogon = 'Password',

  # Point current at this installed version. (Not named -Switch: $switch is PowerShell's own
  # variable inside a switch statement.)
  [Parameter(ParameterSetName = 'SwitchTo', Mandatory = $true)]
  [string]$SwitchTo,

  # Point current back at this installed, earlier version.
  [Parameter(ParameterSetName = 'Rollback', Mandatory = $true)]
  [string]$Rollback,

  # Show the installed versions and which one is current.
  [Parameter(ParameterSetName = 'List', Mandatory = $true)]
  [switch]$List,

  # The 64-bit Program Files even from a 32-bit PowerShell.
  [string]$InstallRoot = $(if ($env:ProgramW6432) { Join-Path $env:ProgramW6432 'pmh-bot' } else { Join-Path $env:ProgramFiles 'pmh-bot' }),
  [string]$ConfigDir = (Join-Path $env:ProgramData 'pmh-bot\config'),
  [string]$DataDir = (Join-Path $env:ProgramData 'pmh-bot\data')
)

$ErrorActionPreference = 'Stop'

# Absolute from here on: .NET calls below do not know PowerShell's current location.
$InstallRoot = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($InstallRoot)
$ConfigDir = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($ConfigDir)
$DataDir = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($DataDir)
$BundleRoot = $PSScriptRoot
$CurrentLink = Join-Path $InstallRoot 'current'
$TaskName = 'pmh-bot'
# Well-known SIDs, the same whatever the system's language.
$AdministratorsSid = 'S-1-5-32-544'
$SystemSid = 'S-1-5-18'
$CreatorOwnerSid = 'S-1-3-0'

# ---------------------------------------------------------------------------
# Output: Japanese first (the operators' language), English under it.
# ---------------------------------------------------------------------------

function Say([string]$Ja, [string]$En) {
  Write-Host $Ja
  Write-Host "  $En"
}

function Text([string]$Ja, [string]$En) {
  return "$Ja`n  $En"
}

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

function Assert-Administrator {
  $principal = New-Object System.Security.Principal.WindowsPrincipal([System.Security.Principal.WindowsIdentity]::GetCurrent())
  if (-not $principal.IsInRole([System.Security.Principal.WindowsBuiltInRole]::Administrator)) {
    throw (Text '管理者として実行してください（PowerShell を右クリックして「管理者として実行」）。' 'Run this as Administrator (right-click PowerShell, "Run as administrator").')
  }
}

# Runs icacls and stops on failure; its own messages go to the screen.
function Invoke-Icacls([string[]]$Arguments) {
  & icacls.exe @Arguments | Out-Host
  if ($LASTEXITCODE -ne 0) {
    throw (Text "icacls $($Arguments -join ' ') が失敗しました（終了コード $LASTEXITCODE）。" "icacls $($Arguments -join ' ') failed (exit code $LASTEXITCODE).")
  }
}

function Get-SidOf([string]$Account) {
  try {
    $name = New-Object System.Security.Principal.NTAccount($Account)
    return $name.Translate([System.Security.Principal.SecurityIdentifier]).Value
  } catch {
    throw (Text "アカウント $Account が見つかりません（PC名\ユーザー名 または ドメイン\ユーザー名 で指定します）。" "Account $Account not found (give it as PC-NAME\user or DOMAIN\user).")
  }
}

function Read-BundleVersion([string]$Root) {
  $packageJson = Join-Path $Root 'app\package.json'
  if (-not (Test-Path -LiteralPath $packageJson -PathType Leaf)) {
    throw (Text "$packageJson がありません。配布された zip を展開したフォルダーの install.ps1 を実行してください。" "$packageJson is missing. Run install.ps1 from the folder the bundle was unzipped to.")
  }
  $version = [string](Get-Content -LiteralPath $packageJson -Raw -Encoding UTF8 | ConvertFrom-Json).version
  # The version names a folder: nothing but what a version is made of.
  if ($version -notmatch '^[0-9A-Za-z][0-9A-Za-z.+-]*$' -or $version -eq 'current') {
    throw (Text "app\package.json のバージョン「$version」をフォルダー名に使えません。" "The version ""$version"" in app\package.json cannot name a folder.")
  }
  return $version
}

# Checks a folder against its MANIFEST.sha256 with verify-manifest.ps1 (which prints what it found).
function Assert-Manifest([string]$Folder) {
  & (Join-Path $BundleRoot 'verify-manifest.ps1') -Path $Folder
  if ($LASTEXITCODE -ne 0) {
    throw (Text "$Folder が MANIFEST.sha256 と一致しないため、中止しました。何も変更していません。" "$Folder does not match MANIFEST.sha256: stopped. Nothing was changed.")
  }
}

function Get-InstalledVersions {
  if (-not (Test-Path -LiteralPath $InstallRoot -PathType Container)) { return @() }
  return @(Get-ChildItem -LiteralPath $InstallRoot -Directory |
    Where-Object { $_.Name -ne 'current' -and $_.Name -notlike '*.partial' -and $_.Name -notlike 'current.*' -and -not $_.LinkType } |
    Sort-Object CreationTime)
}

# The version the current junction points at, or $null when there is none yet.
function Get-CurrentVersion {
  if (-not (Test-Path -LiteralPath $CurrentLink)) { return $null }
  $item = Get-Item -LiteralPath $CurrentLink -Force
  if ($item.LinkType -ne 'Junction') {
    throw (Text "$CurrentLink がジャンクションではありません。手で作られたフォルダーなら、中身を確認してから移動してください。" "$CurrentLink is not a junction. If it is a folder made by hand, check it and move it away.")
  }
  # Windows PowerShell 5.1 gives the target as an array, PowerShell 7 as a string.
  return Split-Path -Leaf (@($item.Target)[0])
}

# 1 when $A is later than $B, -1 when earlier, 0 when the same, $null when they cannot be compared.
function Compare-Version([string]$A, [string]$B) {
  $left = $null; $right = $null
  if (-not [version]::TryParse(($A -split '[-+]')[0], [ref]$left)) { return $null }
  if (-not [version]::TryParse(($B -split '[-+]')[0], [ref]$right)) { return $null }
  return $left.CompareTo($right)
}

# ---------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------

# Copies the checked bundle to <InstallRoot>\<version>; an existing version folder is never overwritten.
function Install-VersionFolder([string]$Version) {
  $target = Join-Path $InstallRoot $Version
  if (Test-Path -LiteralPath $target) {
    $installed = Join-Path $target 'MANIFEST.sha256'
    $sameBuild = (Test-Path -LiteralPath $installed -PathType Leaf) -and
      ((Get-FileHash -LiteralPath $installed -Algorithm SHA256).Hash -eq (Get-FileHash -LiteralPath (Join-Path $BundleRoot 'MANIFEST.sha256') -Algorithm SHA256).Hash)
    if (-not $sameBuild) {
      throw (Text "$target はすでにあり、この配布物とは内容が違います。上書きしません。同じバージョン番号の別の配布物です。配布元に確認してください。" "$target exists and differs from this bundle; it is not overwritten. It is another build with the same version: ask where the bundle came from.")
    }
    Say "[OK] バージョン $Version はインストール済みです（$target）。コピーしません。" "[OK] Version $Version is already installed ($target); nothing copied."
    return $target
  }

  New-Item -ItemType Directory -Path $InstallRoot -Force | Out-Null
  # Copied under another name first: a copy cut short never looks like an installed version.
  $staging = "$target.partial"
  if (Test-Path -LiteralPath $staging) { Remove-Item -LiteralPath $staging -Recurse -Force }
  New-Item -ItemType Directory -Path $staging | Out-Null
  Say "$BundleRoot を $staging にコピーしています..." "Copying $BundleRoot to $staging..."
  Get-ChildItem -LiteralPath $BundleRoot -Force | Copy-Item -Destination $staging -Recurse -Force
  try {
    Assert-Manifest $staging
  } catch {
    Remove-Item -LiteralPath $staging -Recurse -Force -ErrorAction SilentlyContinue
    throw
  }
  # The files were checked against the manifest: the mark of a download (Zone.Identifier) can go.
  Get-ChildItem -LiteralPath $staging -Recurse -File -Force | Unblock-File
  Rename-Item -LiteralPath $staging -NewName $Version
  Say "[OK] バージョン $Version を $target にインストールしました。" "[OK] Installed version $Version in $target."
  return $target
}

# The config and data folders, outside the install folder so that they outlive every version.
function Initialize-ConfigAndData {
  foreach ($folder in @($ConfigDir, $DataDir)) {
    if (-not (Test-Path -LiteralPath $folder)) {
      New-Item -ItemType Directory -Path $folder -Force | Out-Null
      Say "[OK] フォルダー $folder を作成しました。" "[OK] Created $folder."
    }
  }

  $configFile = Join-Path $ConfigDir 'pmh-bot.yaml'
  if (Test-Path -LiteralPath $configFile) {
    Say "[OK] 設定ファイル $configFile はそのまま使います（上書きしません）。" "[OK] Keeping the config file $configFile (not overwritten)."
    return
  }

  # No config yet: the examples (layouts, screens, SQL) and the example config as pmh-bot.yaml.
  # A file already there is never replaced.
  $examples = Join-Path $BundleRoot 'config'
  foreach ($file in Get-ChildItem -LiteralPath $examples -Recurse -File -Force) {
    $destination = Join-Path $ConfigDir $file.FullName.Substring($examples.Length + 1)
    if (Test-Path -LiteralPath $destination) { continue }
    New-Item -ItemType Directory -Path (Split-Path -Parent $destination) -Force | Out-Null
    Copy-Item -LiteralPath $file.FullName -Destination $destination
  }
  Copy-Item -LiteralPath (Join-Path $examples 'pmh-bot.example.yaml') -Destination $configFile

  # The example says data_dir: ../data (next to the config folder); another data folder is written in.
  $exampleData = [System.IO.Path]::GetFullPath((Join-Path $ConfigDir '..\data'))
  if ($exampleData.TrimEnd('\') -ne [System.IO.Path]::GetFullPath($DataDir).TrimEnd('\')) {
    $utf8 = New-Object System.Text.UTF8Encoding($false)
    $text = [System.IO.File]::ReadAllText($configFile, $utf8)
    $quoted = "'" + $DataDir.Replace("'", "''") + "'"
    $text = [regex]::Replace($text, '(?m)^data_dir:.*$', "data_dir: $quoted")
    [System.IO.File]::WriteAllText($configFile, $text, $utf8)
  }
  Say "[OK] ひな形から設定ファイル $configFile を作成しました。業務システム・PMH の設定に書き換えてください。" "[OK] Created $configFile from the example. Edit it for your business systems and PMH."
}

# Leaves a folder to the bot's account, Administrators and SYSTEM (and CREATOR OWNER), nothing inherited.
function Set-PrivateAccess([string]$Folder, [string]$BotSid, [string]$BotRights) {
  # /inheritance:r drops what came from the parent (C:\ProgramData lets every user read);
  # /grant:r replaces what these three had. SIDs keep it independent of the system's language.
  Invoke-Icacls @($Folder, '/inheritance:r', '/grant:r',
    ('*{0}:(OI)(CI){1}' -f $BotSid, $BotRights),
    ('*{0}:(OI)(CI)F' -f $AdministratorsSid),
    ('*{0}:(OI)(CI)F' -f $SystemSid),
    '/Q')
  # Explicit entries for anyone else (set by hand earlier) are removed too.
  $allowed = @($BotSid, $AdministratorsSid, $SystemSid, $CreatorOwnerSid)
  $removed = @{}
  foreach ($rule in (Get-Acl -LiteralPath $Folder).Access) {
    if ($rule.AccessControlType -ne 'Allow') { continue }
    try {
      $sid = $rule.IdentityReference.Translate([System.Security.Principal.SecurityIdentifier]).Value
    } catch {
      $sid = $rule.IdentityReference.Value
    }
    if ($allowed -contains $sid -or $removed.ContainsKey($sid)) { continue }
    Invoke-Icacls @($Folder, '/remove:g', ('*{0}' -f $sid), '/Q')
    $removed[$sid] = $true
    Say "  $($rule.IdentityReference.Value) のアクセス許可を削除しました。" "  Removed the access of $($rule.IdentityReference.Value)."
  }
  & icacls.exe $Folder | Out-Host
}

function Set-FolderAccess([string]$Account) {
  $botSid = Get-SidOf $Account
  # The data folder holds personal data: the bot reads and writes it, nobody else but administrators.
  Set-PrivateAccess $DataDir $botSid 'F'
  Say "[OK] データフォルダー $DataDir を $Account・Administrators・SYSTEM だけが使えるようにしました。" "[OK] $DataDir is now for $Account, Administrators and SYSTEM only."
  # The bot reads its config (and a secrets file there) but never changes it.
  Set-PrivateAccess $ConfigDir $botSid 'RX'
  Say "[OK] 設定フォルダー $ConfigDir を $Account（読み取りのみ）・Administrators・SYSTEM だけが使えるようにしました。" "[OK] $ConfigDir is now for $Account (read only), Administrators and SYSTEM only."
}

# Points the current junction at an installed version: made beside it, then put in its place.
function Switch-Current([string]$Version) {
  $target = Join-Path $InstallRoot $Version
  if (-not (Test-Path -LiteralPath (Join-Path $target 'pmh-bot.cmd') -PathType Leaf)) {
    throw (Text "バージョン $Version はインストールされていません（$target）。-List でインストール済みのバージョンを確認してください。" "Version $Version is not installed ($target). See the installed versions with -List.")
  }
  $previous = Get-CurrentVersion
  if ($previous -eq $Version) {
    Say "[OK] current はすでに $Version です。" "[OK] current is already $Version."
    return
  }
  if (Test-Path -LiteralPath (Join-Path $DataDir 'run.lock')) {
    Say "[注意] $DataDir\run.lock があります。実行中の処理がないことを確認してください（実行中の処理は元のバージョンのまま終わります）。" "[WARN] $DataDir\run.lock exists. Make sure no run is in progress (a run in progress finishes on the version it started with)."
  }
  $next = Join-Path $InstallRoot 'current.new'
  # Directory.Delete without recursion removes a junction itself, never what it points at.
  if (Test-Path -LiteralPath $next) { [System.IO.Directory]::Delete($next, $false) }
  New-Item -ItemType Junction -Path $next -Target $target | Out-Null
  if ($null -ne $previous) { [System.IO.Directory]::Delete($CurrentLink, $false) }
  [System.IO.Directory]::Move($next, $CurrentLink)
  if ($null -eq $previous) {
    Say "[OK] current（$CurrentLink）を $Version にしました。" "[OK] current ($CurrentLink) now points at $Version."
  } else {
    Say "[OK] current（$CurrentLink）を $previous から $Version に切り替えました。" "[OK] Switched current ($CurrentLink) from $previous to $Version."
  }
}

# Writes the task with pmh-bot schedule install and registers it with schtasks.
function Register-DailyTask([string]$Account) {
  $configFile = Join-Path $ConfigDir 'pmh-bot.yaml'
  $scheduleDir = Join-Path $ConfigDir 'schedule'
  # The task runs node and pmh-bot.mjs through the current junction: it follows every switch.
  $scheduleArgs = @(
    'schedule', 'install', '--windows',
    '--config', $configFile,
    '--out', $scheduleDir,
    '--user', $Account,
    '--logon', $TaskLogon.ToLowerInvariant(),
    '--node', (Join-Path $CurrentLink 'node\node.exe'),
    '--script', (Join-Path $CurrentLink 'app\bin\pmh-bot.mjs')
  )
  Push-Location $CurrentLink
  try {
    & (Join-Path $CurrentLink 'pmh-bot.cmd') @scheduleArgs | Out-Host
    $code = $LASTEXITCODE
  } finally {
    Pop-Location
  }
  if ($code -ne 0) {
    throw (Text "pmh-bot schedule install が失敗しました（終了コード $code）。上の表示に従って設定ファイルを直してから、-RegisterTask でもう一度実行してください。" "pmh-bot schedule install failed (exit code $code). Fix the config as shown above, then run again with -RegisterTask.")
  }

  $xml = Join-Path $scheduleDir 'pmh-bot-task.xml'
  $credentials = if ($TaskLogon -eq 'S4U') { "/RU `"$Account`" /NP" } else { "/RU `"$Account`" /RP *" }
  if ($TaskLogon -eq 'Password') {
    Say "$Account のパスワードを入力してください（タスクの実行に使います。画面には表示されません）。" "Enter the password of $Account (the task runs with it; it is not shown)."
  }
  # Started in this console (not through a pipe) so that schtasks can ask for the password.
  $schtasks = Start-Process -FilePath 'schtasks.exe' -ArgumentList "/Create /XML `"$xml`" /TN $TaskName $credentials /F" -NoNewWindow -Wait -PassThru
  if ($schtasks.ExitCode -ne 0) {
    throw (Text "schtasks でタスクを登録できませんでした（終了コード $($schtasks.ExitCode)）。" "schtasks could not register the task (exit code $($schtasks.ExitCode)).")
  }
  Say "[OK] タスク スケジューラーにタスク $TaskName を登録しました（$Account で実行）。" "[OK] Registered the Task Scheduler task $TaskName (runs as $Account)."
}

function Show-Versions {
  $current = Get-CurrentVersion
  # @(): a function hands back one folder as itself, not as a list of one.
  $versions = @(Get-InstalledVersions)
  if ($versions.Count -eq 0) {
    Say "$InstallRoot にインストール済みのバージョンはありません。" "No version is installed in $InstallRoot."
    return
  }
  Say "インストール済みのバージョン（$InstallRoot、* が current）:" "Installed versions ($InstallRoot; * is current):"
  foreach ($folder in $versions) {
    $mark = if ($folder.Name -eq $current) { '*' } else { ' ' }
    Write-Host ('  {0} {1,-16} {2:yyyy-MM-dd HH:mm}' -f $mark, $folder.Name, $folder.CreationTime)
  }
  Say "設定フォルダー: $ConfigDir" "Config folder: $ConfigDir"
  Say "データフォルダー: $DataDir" "Data folder: $DataDir"
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

try {
  switch ($PSCmdlet.ParameterSetName) {
    'List' {
      Show-Versions
    }

    'SwitchTo' {
      Assert-Administrator
      Switch-Current $SwitchTo
      Say "次に pmh-bot doctor で点検してください。実行台帳は、新しいバージョンが最初に開くときに新しい形式に更新されます。" "Next, check with pmh-bot doctor. The ledger is updated to the new format the first time the new version opens it."
    }

    'Rollback' {
      Assert-Administrator
      $current = Get-CurrentVersion
      $order = if ($null -ne $current) { Compare-Version $Rollback $current } else { $null }
      if ($null -ne $order -and $order -ge 0) {
        throw (Text "$Rollback は current（$current）より前のバージョンではありません。新しいバージョンに切り替えるときは -SwitchTo を使います。" "$Rollback is not earlier than current ($current). Use -SwitchTo to move to a newer version.")
      }
      Switch-Current $Rollback
      Say "[注意] 新しいバージョンがすでに実行台帳を更新していると、$Rollback は台帳を開かずに止まります（LedgerFromNewerVersion）。そのときは、更新の前に取ったデータフォルダーのコピーから ledger.sqlite と snapshot.sqlite を戻すか、新しいバージョンに戻してください（-SwitchTo）。" "[WARN] If the newer version already updated the ledger, $Rollback stops without opening it (LedgerFromNewerVersion). Then restore ledger.sqlite and snapshot.sqlite from the copy of the data folder taken before the upgrade, or go back to the newer version (-SwitchTo)."
    }

    'Install' {
      Assert-Administrator
      $firstInstall = -not (Test-Path -LiteralPath $DataDir)
      if (-not $BotUser -and ($firstInstall -or $RegisterTask)) {
        throw (Text '-BotUser でボットを動かすアカウントを指定してください（初回のインストールと -RegisterTask で必要です）。例: -BotUser PC01\pmhbot' 'Give the account the bot runs as with -BotUser (needed on first install and with -RegisterTask), e.g. -BotUser PC01\pmhbot')
      }
      # An unknown account stops here, before anything is copied.
      if ($BotUser) { Get-SidOf $BotUser | Out-Null }
      $version = Read-BundleVersion $BundleRoot
      Say "pmh-bot $version をインストールします（$BundleRoot から）。" "Installing pmh-bot $version (from $BundleRoot)."

      # 1. Nothing is copied from a bundle that does not match its manifest.
      Assert-Manifest $BundleRoot
      # 2. The version folder.
      Install-VersionFolder $version | Out-Null
      # 3-4. Config and data outside it, closed to other accounts.
      Initialize-ConfigAndData
      if ($BotUser) {
        Set-FolderAccess $BotUser
      } else {
        Say "[OK] フォルダーのアクセス許可は変更していません（設定し直すときは -BotUser を指定します）。" "[OK] Folder access left as it was (give -BotUser to set it again)."
      }
      # 5. The switch.
      if ($NoSwitch) {
        Say "current は切り替えていません（-NoSwitch）。点検のあと -SwitchTo $version で切り替えます。" "current was not switched (-NoSwitch). Switch with -SwitchTo $version after checking."
      } else {
        Switch-Current $version
      }
      # 6. The task.
      if ($RegisterTask) { Register-DailyTask $BotUser }

      Say '完了しました。次に設定ファイルを確認し、ボットのアカウントで pmh-bot doctor を実行してください:' 'Done. Next, check the config file and run pmh-bot doctor as the bot''s account:'
      Write-Host ('  "{0}" doctor --config "{1}"' -f (Join-Path $CurrentLink 'pmh-bot.cmd'), (Join-Path $ConfigDir 'pmh-bot.yaml'))
    }
  }
  exit 0
} catch {
  Write-Host ''
  Say '[NG] 失敗しました:' '[NG] Failed:'
  Write-Host $_.Exception.Message
  exit 1
}
