import { mount } from 'svelte';
import App from './app.svelte';
import './styles/base.css';
import './styles/shell.css';
import './styles/toolbar.css';
import './styles/panels.css';
import './styles/results.css';
import './styles/pages.css';
import './styles/verification.css';
import './styles/alerts.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target });
