/**
 * The screen profile: every URL, label, role and text the flow relies on, in one place,
 * so the bot can be adapted to the real PMH screen (or a new release of it) by editing
 * data, not code. Controls are located by what a person sees: role + accessible name,
 * or the label of a form field.
 */

export interface ScreenProfile {
  name: string;
  paths: { login: string; upload: string; history: string };
  login: {
    userIdLabel: string;
    passwordLabel: string;
    submitButton: string;
    /** The page after a successful login shows this heading. */
    successHeading: string;
  };
  upload: {
    certificateTypeLabel: string;
    /** Radio labels of the delivery mode. */
    modeLabels: { full: string; diff: string };
    fileLabel: string;
    nextButton: string;
  };
  confirm: {
    heading: string;
    submitButton: string;
  };
  registered: {
    /** Matches the acknowledgement; group 1 is PMH's upload ID (受付番号). */
    pattern: string;
  };
  history: {
    refreshLink: string;
    tableCaption: string;
    columns: { id: string; status: string; total: string; accepted: string; rejected: string };
    doneStatuses: string[];
    refusedStatuses: string[];
    errorListLink: string;
  };
  errors: {
    downloadLink: string;
    /** Column headings of the downloaded error list (CSV). */
    columns: { line: string; historyKey: string; column: string; message: string };
  };
  logoutButton: string;
}

/** The profile of the PMH simulator shipped in sim/. */
export const simulatorProfile: ScreenProfile = {
  name: 'pmh-simulator',
  paths: { login: '/login', upload: '/upload', history: '/history' },
  login: {
    userIdLabel: 'ユーザーID',
    passwordLabel: 'パスワード',
    submitButton: 'ログイン',
    successHeading: 'メニュー',
  },
  upload: {
    certificateTypeLabel: '受給者証種別',
    modeLabels: { full: '全件連携', diff: '差分連携' },
    fileLabel: 'アップロードファイル',
    nextButton: '確認画面へ',
  },
  confirm: {
    heading: 'アップロード内容の確認',
    submitButton: '登録する',
  },
  registered: {
    pattern: '受付番号\\s*(\\S+)\\s*で受け付けました',
  },
  history: {
    refreshLink: '最新の情報に更新',
    tableCaption: 'アップロード履歴',
    columns: { id: '受付番号', status: '状態', total: '総件数', accepted: '正常件数', rejected: 'エラー件数' },
    doneStatuses: ['完了', '完了（エラーあり）'],
    refusedStatuses: ['エラー'],
    errorListLink: 'エラー一覧',
  },
  errors: {
    downloadLink: 'エラー一覧をダウンロード',
    columns: { line: '行番号', historyKey: '履歴キー', column: '項目', message: 'エラー内容' },
  },
  logoutButton: 'ログアウト',
};
