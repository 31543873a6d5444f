import { createRoot } from 'react-dom/client';

function App() {
  return <main>FactorDesk</main>;
}

createRoot(document.getElementById('root')!).render(<App />);
