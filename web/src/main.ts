/** Entry: mounts the app and registers the service worker (offline app shell). */
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('#app is missing');
mount(App, { target });

if ('serviceWorker' in navigator && location.protocol !== 'file:' && !import.meta.env.DEV) {
  void navigator.serviceWorker.register('/sw.js').catch(() => {
    // no service worker: the app still works online
  });
}
