// Electron entry (placeholder window until the app issue lands).
import { app, BrowserWindow } from 'electron';

app.whenReady().then(() => {
  const win = new BrowserWindow({ width: 1280, height: 800, webPreferences: { sandbox: true, contextIsolation: true, nodeIntegration: false } });
  void win.loadURL('data:text/html,FactorDesk');
});
