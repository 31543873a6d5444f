// Renderer entry. The CSP nonce must reach get-nonce before anything renders: Radix's scroll
// lock inserts a <style> element, which the strict CSP only allows when it carries the nonce.
import { setNonce } from 'get-nonce';
import { createRoot } from 'react-dom/client';
import '@fontsource/jetbrains-mono/latin-500.css';
import './styles/base.css';
import './styles/layout.css';
import './styles/controls.css';
import './styles/widgets.css';
import './styles/dialogs.css';
import './styles/screens.css';
import './styles/print.css';
import './i18n.ts';
import './theme.ts';
import './modality.ts';
import { App } from './App.tsx';
import { call } from './api.ts';
import { installSecretCopyGuard } from './secret-copy.ts';

const nonce = document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content;
if (nonce) setNonce(nonce);

// Ctrl+C on a shown code or key goes through main's clipboard guard (cleared after 30 s and at lock).
installSecretCopyGuard(document, (text) => void call('clipboard:copy', { text: text.slice(0, 2000) }));

const root = document.getElementById('root');
if (root) createRoot(root).render(<App />);
